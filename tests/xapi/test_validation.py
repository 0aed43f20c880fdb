"""Statement validation rules V-1..V-48 (digest section 2), SR-15 and X-5, without HTTP."""

import copy
from typing import Any

import pytest

from service.model.errors import BadRequestError
from service.xapi.validation import validate_statements

VERSIONS = ["1.0.3", "2.0.0"]
UUID_A = "6ba7b810-9dad-41d1-80b4-00c04fd430c8"
UUID_B = "fd41c918-b88b-4b20-a0a5-a4c32391aaa0"
MBOX = "mailto:learner@example.com"
SHA1 = "ebd31e95054c018b10727ccffd2ef2ec3a016ee9"
ACCOUNT = {"homePage": "http://www.example.com", "name": "learner"}
AGENT = {"mbox": MBOX, "name": "Learner"}
AGENT_B = {"objectType": "Agent", "mbox": "mailto:other@example.com"}
GROUP = {"objectType": "Group", "name": "Team", "member": [AGENT, AGENT_B]}
VERB = {"id": "http://adlnet.gov/expapi/verbs/attempted", "display": {"en-US": "attempted"}}
VOIDED = "http://adlnet.gov/expapi/verbs/voided"
ACTIVITY = {"id": "http://www.example.com/activities/1"}
STATEMENT_REF = {"objectType": "StatementRef", "id": UUID_A}
SUB = {"objectType": "SubStatement", "actor": AGENT, "verb": VERB, "object": ACTIVITY}
ATTACHMENT = {
    "usageType": "http://adlnet.gov/expapi/attachments/signature",
    "display": {"en-US": "Signature"},
    "contentType": "application/octet-stream",
    "length": 4235,
    "sha2": "a" * 64,
}
IFIS: dict[str, Any] = {
    "mbox": MBOX,
    "mbox_sha1sum": SHA1,
    "openid": "http://openid.example.org/12345",
    "account": ACCOUNT,
}
IFI_PAIRS = [(a, b) for i, a in enumerate(IFIS) for b in list(IFIS)[i + 1 :]]


def statement(**props: Any) -> dict[str, Any]:
    """A minimal valid statement with `props` merged in (deep-copied)."""
    base: dict[str, Any] = {"actor": AGENT, "verb": VERB, "object": ACTIVITY}
    base.update(props)
    return copy.deepcopy(base)


def accept(data: object, version: str = "2.0.0") -> list[dict[str, Any]]:
    return validate_statements(data, version)


def reject(data: object, version: str = "2.0.0", match: str = ".") -> str:
    with pytest.raises(BadRequestError, match=match) as info:
        validate_statements(data, version)
    message = info.value.message
    assert "pydantic" not in message
    assert "Input should" not in message
    assert len(message) < 200
    return message


# --- 2.1 general JSON rules ------------------------------------------------------------------


@pytest.mark.parametrize("body", ["statement", 42, None, True, 1.5])
def test_v1_body_must_be_object_or_array(body: object) -> None:
    """V-1: the body is a statement object or an array of them."""
    reject(body, match="statement object or an array")


@pytest.mark.parametrize("element", [5, "x", None, [statement()]])
def test_v1_batch_elements_must_be_objects(element: object) -> None:
    """V-1: every element of a batch is a statement object."""
    reject([statement(), element], match=r"^statements\[1\]: must (be a JSON object|not be null)")


@pytest.mark.parametrize("number", [float("nan"), float("inf"), float("-inf")])
def test_v1_non_finite_numbers_rejected(number: float) -> None:
    """V-1: NaN/Infinity are not JSON numbers (the JSON parser should already refuse them)."""
    reject(statement(result={"score": {"raw": number}}), match="finite")


NULL_CASES = {
    "actor name": statement(actor={"mbox": MBOX, "name": None}),
    "verb display value": statement(verb={"id": VERB["id"], "display": {"en-US": None}}),
    "registration": statement(context={"registration": None}),
    "moreInfo": statement(object={"id": ACTIVITY["id"], "definition": {"moreInfo": None}}),
    "timestamp": statement(timestamp=None),
    "stored": statement(stored=None),
    "id": statement(id=None),
    "result": statement(result=None),
    "context": statement(context=None),
    "version": statement(version=None),
    "attachments": statement(attachments=None),
    "score raw": statement(result={"score": {"raw": None}}),
    "objectType": statement(object={"objectType": None, "id": ACTIVITY["id"]}),
    "account name": statement(actor={"account": {"homePage": "http://x.com", "name": None}}),
    "instructor": statement(context={"instructor": None}),
    "contextActivities parent": statement(context={"contextActivities": {"parent": None}}),
    "extensions map": statement(result={"extensions": None}),
}


@pytest.mark.parametrize("body", NULL_CASES.values(), ids=NULL_CASES.keys())
def test_v2_null_rejected_everywhere(body: dict[str, Any]) -> None:
    """V-2: null is not a value for any statement property."""
    reject(body, match="must not be null|objectType|required")


def test_v2_null_allowed_as_extension_value() -> None:
    """V-2/V-39: null inside an extensions map is accepted."""
    accept(statement(result={"extensions": {"http://example.com/x": None}}))


TYPE_CASES = {
    "raw as string": statement(result={"score": {"raw": "100"}}),
    "success as string": statement(result={"success": "false"}),
    "success as 1": statement(result={"success": 1}),
    "completion as 0": statement(result={"completion": 0}),
    "raw as bool": statement(result={"score": {"raw": True}}),
    "scaled as string": statement(result={"score": {"scaled": "0.5"}}),
    "name as object": statement(actor={"mbox": MBOX, "name": {"a": 1}}),
    "response as number": statement(result={"response": 5}),
    "length as float": statement(attachments=[{**ATTACHMENT, "length": 1.5}]),
    "length as bool": statement(attachments=[{**ATTACHMENT, "length": True}]),
    "length as string": statement(attachments=[{**ATTACHMENT, "length": "4235"}]),
    "verb as string": statement(verb="http://example.com/verb"),
    "actor as array": statement(actor=[AGENT]),
    "result as array": statement(result=[]),
    "revision as number": statement(context={"revision": 1}),
    "correctResponsesPattern as string": statement(
        object={
            "id": ACTIVITY["id"],
            "definition": {"interactionType": "choice", "correctResponsesPattern": "a"},
        }
    ),
}


@pytest.mark.parametrize("body", TYPE_CASES.values(), ids=TYPE_CASES.keys())
def test_v3_wrong_json_type_rejected(body: dict[str, Any]) -> None:
    """V-3: strings for numbers/booleans, booleans for numbers, objects for strings, etc."""
    reject(body, match="must be")


def test_v3_integral_float_length_and_int_score_accepted() -> None:
    """V-3: an integer-valued float is still an integer; ints are numbers."""
    accept(statement(attachments=[{**ATTACHMENT, "length": 10.0}], result={"score": {"raw": 5}}))


@pytest.mark.parametrize(
    "key",
    [
        "iD",
        "Actor",
        "veRb",
        "oBject",
        "RESULT",
        "conText",
        "timeStamp",
        "STOred",
        "auTHORity",
        "Version",
        "attachmentS",
        "dummy",
    ],
)
def test_v4_unknown_or_miscased_top_level_property_rejected(key: str) -> None:
    """V-4: property names are case-sensitive; unknown ones are rejected."""
    reject(statement(**{key: "x"}), match=f"statement.{key}: is not an allowed property")


NESTED_UNKNOWN = {
    "agent": statement(actor={**AGENT, "Mbox": MBOX}),
    "account": statement(actor={"account": {**ACCOUNT, "HomePage": "http://x.com"}}),
    "verb": statement(verb={**VERB, "Display": {}}),
    "activity": statement(object={**ACTIVITY, "Definition": {}}),
    "definition": statement(object={**ACTIVITY, "definition": {"Name": {}}}),
    "component": statement(
        object={
            **ACTIVITY,
            "definition": {"interactionType": "choice", "choices": [{"id": "a", "ID": "b"}]},
        }
    ),
    "result": statement(result={"Score": {}}),
    "score": statement(result={"score": {"Raw": 1}}),
    "context": statement(context={"Platform": "x"}),
    "contextActivities": statement(context={"contextActivities": {"Parent": [ACTIVITY]}}),
    "attachment": statement(attachments=[{**ATTACHMENT, "UsageType": "http://x.com"}]),
    "statementref": statement(object={**STATEMENT_REF, "ID": UUID_A}),
    "substatement": statement(object={**SUB, "Result": {}}),
    "group": statement(actor={**GROUP, "Member": []}),
    "context agent": statement(
        context={"contextAgents": [{"objectType": "contextAgent", "agent": AGENT, "extra": 1}]}
    ),
}


@pytest.mark.parametrize("body", NESTED_UNKNOWN.values(), ids=NESTED_UNKNOWN.keys())
def test_v4_unknown_nested_property_rejected(body: dict[str, Any]) -> None:
    """V-4: every nested object is closed; only extensions maps are open."""
    reject(body, match="not an allowed property")


ENUM_CASES = {
    "actor agent": statement(actor={**AGENT, "objectType": "agent"}),
    "actor group": statement(actor={**GROUP, "objectType": "group"}),
    "object activity": statement(object={**ACTIVITY, "objectType": "activity"}),
    "object statementref": statement(object={**STATEMENT_REF, "objectType": "statementref"}),
    "object substatement": statement(object={**SUB, "objectType": "substatement"}),
    "interactionType": statement(object={**ACTIVITY, "definition": {"interactionType": "Choice"}}),
    "contextActivities key": statement(context={"contextActivities": {"PARENT": ACTIVITY}}),
    "contextAgent": statement(
        context={"contextAgents": [{"objectType": "ContextAgent", "agent": AGENT}]}
    ),
}


@pytest.mark.parametrize("body", ENUM_CASES.values(), ids=ENUM_CASES.keys())
def test_v5_enumerations_are_case_sensitive(body: dict[str, Any]) -> None:
    """V-5: objectType, interactionType and contextActivities keys are exact."""
    reject(body)


def test_v6_empty_objects_accepted() -> None:
    """V-6: empty definition, context, extensions and empty extension values are fine."""
    ext = {"http://example.com/a": "", "http://example.com/b": {}, "http://example.com/c": []}
    accept(statement(object={**ACTIVITY, "definition": {"extensions": ext}}, context={}, result={}))


def test_v7_numbers_and_originals_returned_unchanged() -> None:
    """V-7: values are returned as the original objects, so floats keep full precision."""
    body = statement(result={"score": {"scaled": 0.12123434, "raw": 12.125, "max": 45.45}})
    out = accept(body)
    assert out[0] is body
    assert out[0]["result"]["score"] == {"scaled": 0.12123434, "raw": 12.125, "max": 45.45}


@pytest.mark.parametrize("missing", ["actor", "verb", "object"])
def test_v8_required_properties(missing: str) -> None:
    """V-8: actor, verb and object are required."""
    body = statement()
    del body[missing]
    reject(body, match=f"statement.{missing}: is required")


@pytest.mark.parametrize("version", VERSIONS)
def test_v8_all_top_level_properties_accepted(version: str) -> None:
    """V-8: the full set of allowed top-level properties."""
    body = statement(
        id=UUID_A,
        result={"success": True},
        context={"registration": UUID_B},
        timestamp="2024-01-01T00:00:00Z",
        stored="2024-01-01T00:00:00.123Z",
        authority={"objectType": "Agent", "account": ACCOUNT},
        version="1.0.0",
        attachments=[ATTACHMENT],
    )
    assert accept(body, version) == [body]


# --- 2.2 data-type formats -------------------------------------------------------------------

BAD_UUIDS = ["", "abc", UUID_A + "1", UUID_A.replace("6", "g"), UUID_A.replace("-", ""), 5, {}]


@pytest.mark.parametrize("value", BAD_UUIDS)
@pytest.mark.parametrize(
    "build",
    [
        lambda v: statement(id=v),
        lambda v: statement(object={"objectType": "StatementRef", "id": v}),
        lambda v: statement(context={"registration": v}),
        lambda v: statement(context={"statement": {"objectType": "StatementRef", "id": v}}),
    ],
    ids=["id", "statementref", "registration", "context.statement"],
)
def test_v9_uuid_rejected(build: Any, value: object) -> None:
    """V-9/V-30/V-38/V-43: UUID-typed properties."""
    reject(build(value), match="UUID|must be a string")


def test_v9_uuid_case_insensitive_accepted() -> None:
    """V-9: upper-case hex is fine."""
    accept(statement(id=UUID_A.upper(), context={"registration": UUID_B.upper()}))


BAD_IRIS = [
    "ab=c://should.fail.com",
    "should fail",
    "abc",
    "not.a.valid.iri.com/verb",
    "homePage.com/testUser",
    "example.com/extension/wrong",
    "open.id.com/testUser",
    "www.example.com/x",
]
IRI_SLOTS = {
    "verb.id": lambda v: statement(verb={"id": v}),
    "object.id": lambda v: statement(object={"id": v}),
    "definition.type": lambda v: statement(object={**ACTIVITY, "definition": {"type": v}}),
    "definition.moreInfo": lambda v: statement(object={**ACTIVITY, "definition": {"moreInfo": v}}),
    "extension key": lambda v: statement(result={"extensions": {v: 1}}),
    "usageType": lambda v: statement(attachments=[{**ATTACHMENT, "usageType": v}]),
    "fileUrl": lambda v: statement(attachments=[{**ATTACHMENT, "fileUrl": v}]),
    "homePage": lambda v: statement(actor={"account": {"homePage": v, "name": "n"}}),
    "openid": lambda v: statement(actor={"openid": v}),
    "relevantTypes": lambda v: statement(
        context={
            "contextAgents": [{"objectType": "contextAgent", "agent": AGENT, "relevantTypes": [v]}]
        }
    ),
}


@pytest.mark.parametrize("value", BAD_IRIS)
@pytest.mark.parametrize("slot", IRI_SLOTS.keys())
def test_v10_non_iri_rejected(slot: str, value: str) -> None:
    """V-10: every IRI/IRL/URI-typed property."""
    reject(IRI_SLOTS[slot](value), match="IRI")


@pytest.mark.parametrize("slot", IRI_SLOTS.keys())
def test_v10_iri_accepted(slot: str) -> None:
    """V-10: relative-looking path segments and non-ASCII characters are valid in IRIs."""
    accept(IRI_SLOTS[slot]("http://例子.example.com/path/../ü"))


LANG_SLOTS = {
    "verb.display": lambda m: statement(verb={"id": VERB["id"], "display": m}),
    "definition.name": lambda m: statement(object={**ACTIVITY, "definition": {"name": m}}),
    "definition.description": lambda m: statement(
        object={**ACTIVITY, "definition": {"description": m}}
    ),
    "component.description": lambda m: statement(
        object={
            **ACTIVITY,
            "definition": {"interactionType": "likert", "scale": [{"id": "1", "description": m}]},
        }
    ),
    "attachment.display": lambda m: statement(attachments=[{**ATTACHMENT, "display": m}]),
    "attachment.description": lambda m: statement(attachments=[{**ATTACHMENT, "description": m}]),
}
GOOD_TAGS = [
    "de",
    "de-DE",
    "zh-Hant",
    "sr-Latn-RS",
    "cmn",
    "es",
    "es-MX",
    "sr-Cyrl",
    "zh-Hans-CN",
    "ase",
    "ja",
    "fr-CA",
    "en-GB",
    "tlh",
]


@pytest.mark.parametrize("slot", LANG_SLOTS.keys())
def test_v11_language_maps_accepted(slot: str) -> None:
    """V-11: every suite tag is a valid language-map key."""
    accept(LANG_SLOTS[slot]({tag: "text" for tag in GOOD_TAGS}))


@pytest.mark.parametrize(
    "bad", [{"something": "x"}, {"a12345678": "x"}, {"zh-z-aaa-z-bbb-c-ccc": "x"}]
)
@pytest.mark.parametrize("slot", LANG_SLOTS.keys())
def test_v11_invalid_language_tag_key_rejected(slot: str, bad: dict[str, str]) -> None:
    """V-11: invalid RFC 5646 keys."""
    reject(LANG_SLOTS[slot](bad), match="invalid key .*language tag")


@pytest.mark.parametrize("bad", ["en-US", 5, ["en-US"], {"en-US": 5}, {"en-US": {}}])
@pytest.mark.parametrize("slot", LANG_SLOTS.keys())
def test_v11_language_map_shape_rejected(slot: str, bad: object) -> None:
    """V-11: a language map is an object of strings."""
    reject(LANG_SLOTS[slot](bad), match="must be")


@pytest.mark.parametrize(
    ("tag", "ok"), [("en-US", True), ("zh-Hans-CN", True), ("something", False), ({"en": 1}, False)]
)
def test_v11_context_language_is_a_tag(tag: object, ok: bool) -> None:
    """V-11: context.language is a single tag string."""
    body = statement(context={"language": tag})
    if ok:
        accept(body)
    else:
        reject(body, match="statement.context.language")


@pytest.mark.parametrize("field", ["timestamp", "stored"])
@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize(
    "value",
    [
        "2013-05-18T05:32:34.804Z",
        "2013-05-18T05:32:34.804+00:00",
        "2023-05-04T12:00:00-05:00",
        "2999-01-01T00:00:00Z",
        "2013-05-18 05:32:34Z",
    ],
)
def test_v12_v41_timestamps_accepted(field: str, version: str, value: str) -> None:
    """V-12/V-41: RFC 3339 timestamps, including future ones."""
    accept(statement(**{field: value}), version)


@pytest.mark.parametrize("field", ["timestamp", "stored"])
@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize(
    "value",
    [
        "should fail",
        "01/011/2015",
        "2013-05-18T05:32:34-00:00",
        "2013-05-18T05:32:34-0000",
        "2013-05-18T05:32:34-00",
        "2023-02-29T00:00:00Z",
        1368855154,
    ],
)
def test_v12_v41_timestamps_rejected(field: str, version: str, value: object) -> None:
    """V-12/V-41: non-dates, calendar errors, unknown-offset forms, non-strings."""
    reject(statement(**{field: value}), version, match=f"statement.{field}: must be")


@pytest.mark.parametrize(
    "value", ["2013-05-18T05:32:34", "2013-05-18T05:32:34+0530", "2013-05-18T05:32:34+05"]
)
def test_v12_iso8601_forms_only_for_1_0_requests(value: str) -> None:
    """V-12: offset-less / +HHMM / +HH accepted for 1.0.x only, also inside SubStatements."""
    accept(statement(timestamp=value, object={**SUB, "timestamp": value}), "1.0.3")
    reject(statement(timestamp=value), "2.0.0", match="statement.timestamp")
    reject(
        statement(object={**SUB, "timestamp": value}), "2.0.0", match="statement.object.timestamp"
    )


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("PT1H0M0.1S", True),
        ("PT4H35M59.14S", True),
        ("PT16559.14S", True),
        ("P3Y1M29DT4H35M59.14S", True),
        ("P3Y", True),
        ("P4W", True),
        ("P1DT12H36M0.12567S", True),
        ("PA1H0M0S", False),
        ("P4W1D", False),
        (3600, False),
        ({}, False),
    ],
)
def test_v13_result_duration(value: object, ok: bool) -> None:
    """V-13: ISO 8601 durations in result.duration."""
    body = statement(result={"duration": value})
    if ok:
        accept(body)
    else:
        reject(body, match="statement.result.duration: must be")


@pytest.mark.parametrize(
    "value", ["http://should.fail.com", "mailto:should.fail.com", "learner@example.com", 5]
)
def test_v14_mbox_rejected(value: object) -> None:
    """V-14: mbox must be a mailto IRI with an email address."""
    reject(statement(actor={"mbox": value}), match="statement.actor.mbox: must be")


@pytest.mark.parametrize(
    ("value", "ok"), [(SHA1, True), (SHA1.upper(), True), ("abc", False), (123, False)]
)
def test_v15_mbox_sha1sum(value: object, ok: bool) -> None:
    """V-15: 40 hex digits."""
    body = statement(actor={"mbox_sha1sum": value})
    if ok:
        accept(body)
    else:
        reject(body, match="mbox_sha1sum: must be")


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("value", ["1.0", "1.0.0", "1.0.3", "1.0.99"])
def test_v16_sr15_version_1_0_always_accepted(version: str, value: str) -> None:
    """V-16/SR-15: 1.0 and 1.0.x statement versions for every request."""
    accept(statement(version=value), version)


@pytest.mark.parametrize("value", ["2.0", "2.0.0", "2.0.1"])
def test_v16_sr15_version_2_0_only_for_2_0_requests(value: str) -> None:
    """V-16/SR-15: 2.0.x round-trips for 2.0 requests, is rejected for 1.0.x requests."""
    accept(statement(version=value), "2.0.0")
    reject(statement(version=value), "1.0.3", match="statement.version")


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize(
    "value", ["0.9.9", "1.1.0", "3.0.0", "1", "1.0.", "v1.0.0", "1.0.0 ", "", 1.0, True, {}]
)
def test_v16_sr15_bad_versions_rejected(version: str, value: object) -> None:
    """V-16/SR-15: other versions, garbage and non-strings."""
    reject(statement(version=value), version, match="statement.version: must be")


@pytest.mark.parametrize(
    ("value", "ok"),
    [("a" * 64, True), ("b" * 128, True), ("a" * 63, False), ("xyz", False), (123, False)],
)
def test_v17_attachment_sha2(value: object, ok: bool) -> None:
    """V-17: sha2 is a hex SHA-2 digest string."""
    body = statement(attachments=[{**ATTACHMENT, "sha2": value}])
    if ok:
        accept(body)
    else:
        reject(body, match="sha2: must be")


# --- 2.3 actor, agent, group, account --------------------------------------------------------

AGENT_SLOTS = {
    "actor": lambda a: statement(actor=a),
    "authority": lambda a: statement(authority=a),
    "instructor": lambda a: statement(context={"instructor": a}),
    "object": lambda a: statement(object={"objectType": "Agent", **a}),
    "substatement actor": lambda a: statement(object={**SUB, "actor": a}),
    "substatement object": lambda a: statement(
        object={**SUB, "object": {"objectType": "Agent", **a}}
    ),
    "substatement instructor": lambda a: statement(object={**SUB, "context": {"instructor": a}}),
    "group member": lambda a: statement(actor={"objectType": "Group", "member": [a]}),
    "context agent": lambda a: statement(
        context={"contextAgents": [{"objectType": "contextAgent", "agent": a}]}
    ),
}


@pytest.mark.parametrize("slot", AGENT_SLOTS.keys())
@pytest.mark.parametrize("ifi", IFIS.keys())
def test_v18_agent_with_one_ifi_accepted(slot: str, ifi: str) -> None:
    """V-18: each IFI alone identifies an Agent, wherever an Agent is allowed."""
    accept(AGENT_SLOTS[slot]({"name": "A", ifi: IFIS[ifi]}))


@pytest.mark.parametrize("slot", AGENT_SLOTS.keys())
@pytest.mark.parametrize(("first", "second"), IFI_PAIRS)
def test_v18_agent_with_two_ifis_rejected(slot: str, first: str, second: str) -> None:
    """V-18: every pair of IFIs is rejected in every Agent position."""
    body = AGENT_SLOTS[slot]({first: IFIS[first], second: IFIS[second]})
    reject(body, match="exactly one of mbox, mbox_sha1sum, openid, account")


@pytest.mark.parametrize("slot", AGENT_SLOTS.keys())
def test_v18_agent_without_ifi_rejected(slot: str) -> None:
    """V-18: zero IFIs."""
    reject(AGENT_SLOTS[slot]({"name": "nobody"}), match="exactly one of")


def test_v18_agent_must_not_have_member() -> None:
    """V-18: `member` belongs to Groups only."""
    reject(statement(actor={**AGENT, "member": [AGENT_B]}), match="actor.member: is not an allowed")


@pytest.mark.parametrize(
    ("account", "match"),
    [
        ({"homePage": "http://x.com"}, "account.name: is required"),
        ({"name": "n"}, "account.homePage: is required"),
        ({"homePage": "http://x.com", "name": 5}, "account.name: must be a string"),
        ({"homePage": "x.com", "name": "n"}, "account.homePage: must be an absolute IRI"),
        ("acct", "account: must be a JSON object"),
    ],
)
def test_v19_account_rules(account: object, match: str) -> None:
    """V-19: homePage (IRL) and name (string) are both required."""
    reject(statement(actor={"account": account}), match=match)


def test_v20_group_forms_accepted() -> None:
    """V-20: anonymous Group with members; identified Group with or without members."""
    accept(statement(actor=GROUP))
    accept(statement(actor={"objectType": "Group", "mbox": MBOX}))
    accept(statement(actor={"objectType": "Group", "account": ACCOUNT, "member": [AGENT]}))


@pytest.mark.parametrize(
    ("actor", "match"),
    [
        ({"member": [AGENT]}, "exactly one of"),
        ({"objectType": "Group", "name": "anon"}, "actor.member: is required"),
        (
            {"objectType": "Group", "mbox": MBOX, "openid": IFIS["openid"], "member": [AGENT]},
            "more than one",
        ),
        ({"objectType": "Group", "member": AGENT}, "actor.member: must be an array"),
        ({"objectType": "Group", "member": [GROUP]}, r"actor.member\[0\]: must be an Agent"),
        ({"objectType": "Group", "member": [{"name": "x"}]}, r"actor.member\[0\]: an Agent must"),
        ({"objectType": "Group", "member": [AGENT], "name": 5}, "actor.name: must be a string"),
    ],
)
def test_v20_group_rules(actor: dict[str, Any], match: str) -> None:
    """V-20: objectType required, member required when anonymous, only Agents as members."""
    reject(statement(actor=actor), match=match)


@pytest.mark.parametrize("object_type", ["agent", "group", "Person", 5, {"a": 1}, ["Agent"]])
def test_v21_actor_bad_object_type(object_type: object) -> None:
    """V-21: actor objectType is exactly Agent or Group."""
    reject(
        statement(actor={**AGENT, "objectType": object_type}),
        match="objectType must be 'Agent' or 'Group'",
    )


@pytest.mark.parametrize("name", [5, {"a": 1}, ["x"], True])
def test_v21_actor_name_must_be_string(name: object) -> None:
    """V-21: name is a string."""
    reject(statement(actor={**AGENT, "name": name}), match="actor.name: must be a string")


def test_v22_instructor_and_team() -> None:
    """V-22: instructor Agent or Group; team must be a Group."""
    accept(statement(context={"instructor": AGENT, "team": GROUP}))
    accept(statement(context={"instructor": GROUP, "team": {"objectType": "Group", "mbox": MBOX}}))
    reject(statement(context={"team": AGENT}), match="context.team: must be a Group")
    reject(statement(object={**SUB, "context": {"team": AGENT}}), match="object.context.team")


# --- 2.4 verb, 2.5 object --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("verb", "match"),
    [
        ({"display": {"en-US": "x"}}, "verb.id: is required"),
        ({"id": "not.a.valid.iri.com/verb"}, "verb.id: must be an absolute IRI"),
        ({"id": VERB["id"], "display": "attempted"}, "verb.display: must be a JSON object"),
        ({"id": VERB["id"], "display": 5}, "verb.display: must be a JSON object"),
    ],
)
def test_v23_verb_rules(verb: dict[str, Any], match: str) -> None:
    """V-23: id required and an IRI; display a language map."""
    reject(statement(verb=verb), match=match)


@pytest.mark.parametrize(
    "object_type", ["activity", "agent", "group", "statementref", "substatement", "Person", 1]
)
def test_v24_object_bad_object_type(object_type: object) -> None:
    """V-24: object objectType is one of five exact values."""
    reject(
        statement(object={**ACTIVITY, "objectType": object_type}),
        match="objectType must be Activity",
    )


def test_v24_object_types_accepted() -> None:
    """V-24: Activity (explicit or default), Agent, Group, StatementRef, SubStatement."""
    for obj in (
        ACTIVITY,
        {**ACTIVITY, "objectType": "Activity"},
        AGENT_B,
        GROUP,
        STATEMENT_REF,
        SUB,
    ):
        accept(statement(object=obj))


def test_v25_agent_object_requires_object_type() -> None:
    """V-25: without objectType an Agent object is an Activity without id."""
    reject(statement(object={"mbox": MBOX}), match="statement.object")
    reject(statement(object={"member": [AGENT]}), match="statement.object")
    accept(statement(object={"objectType": "Agent", "mbox": MBOX}))


FULL_DEFINITION = {
    "name": {"en-US": "Question 1"},
    "description": {"en-US": "Pick one"},
    "type": "http://adlnet.gov/expapi/activities/cmi.interaction",
    "moreInfo": "http://example.com/more",
    "extensions": {"http://example.com/ext": {"any": ["thing", None]}},
    "interactionType": "choice",
    "correctResponsesPattern": ["golf[,]tetris"],
    "choices": [{"id": "golf", "description": {"en-US": "Golf"}}, {"id": "tetris"}],
}


def test_v26_activity_with_full_definition_accepted() -> None:
    """V-26: all definition properties."""
    accept(statement(object={**ACTIVITY, "objectType": "Activity", "definition": FULL_DEFINITION}))


@pytest.mark.parametrize(
    ("obj", "match"),
    [
        ({"objectType": "Activity"}, "object.id: is required"),
        ({**ACTIVITY, "definition": "text"}, "object.definition: must be a JSON object"),
        ({**ACTIVITY, "definition": []}, "object.definition: must be a JSON object"),
    ],
)
def test_v26_activity_rules(obj: dict[str, Any], match: str) -> None:
    """V-26: id required; definition is an object."""
    reject(statement(object=obj), match=match)


INTERACTION_TYPES = [
    "true-false",
    "choice",
    "fill-in",
    "long-fill-in",
    "matching",
    "performance",
    "sequencing",
    "likert",
    "numeric",
    "other",
]


@pytest.mark.parametrize("value", INTERACTION_TYPES)
def test_v27_interaction_types_accepted(value: str) -> None:
    """V-27: the ten interaction types."""
    accept(statement(object={**ACTIVITY, "definition": {"interactionType": value}}))


@pytest.mark.parametrize("value", ["Choice", "multiple-choice", "", 5, {"type": "choice"}])
def test_v27_bad_interaction_type_rejected(value: object) -> None:
    """V-27: anything else."""
    reject(
        statement(object={**ACTIVITY, "definition": {"interactionType": value}}),
        match="interactionType",
    )


@pytest.mark.parametrize(
    ("key", "value"),
    [("correctResponsesPattern", ["a"])]
    + [(k, [{"id": "a"}]) for k in ("choices", "scale", "source", "target", "steps")],
)
def test_v28_interaction_properties_need_interaction_type(key: str, value: list[Any]) -> None:
    """V-28: interaction properties require interactionType."""
    reject(
        statement(object={**ACTIVITY, "definition": {key: value}}),
        match=f"definition.{key}: only allowed",
    )
    accept(statement(object={**ACTIVITY, "definition": {"interactionType": "other", key: value}}))


@pytest.mark.parametrize(
    ("components", "match"),
    [
        ([{"description": {"en-US": "x"}}], r"source\[0\].id: is required"),
        ([{"id": 1}], r"source\[0\].id: must be a string"),
        ([{"id": "a"}, {"id": "a"}], "ids must be unique"),
        ({"id": "a"}, "source: must be an array"),
        ([{"id": "a", "description": "x"}], "description: must be a JSON object"),
    ],
)
def test_v29_interaction_components(components: object, match: str) -> None:
    """V-29: component id required and unique; description a language map."""
    body = statement(
        object={**ACTIVITY, "definition": {"interactionType": "matching", "source": components}}
    )
    reject(body, match=match)


def test_v29_component_lists_not_tied_to_interaction_type() -> None:
    """V-29: e.g. matching with only source is accepted."""
    accept(
        statement(
            object={
                **ACTIVITY,
                "definition": {"interactionType": "matching", "source": [{"id": "a"}]},
            }
        )
    )


@pytest.mark.parametrize(
    ("obj", "match"),
    [
        ({"objectType": "StatementRef"}, "object.id: is required"),
        ({**STATEMENT_REF, "id": "not-a-uuid"}, "object.id: must be a UUID"),
        ({**STATEMENT_REF, "definition": {}}, "object.definition: is not an allowed"),
        ({"id": UUID_A}, "object.id: must be an absolute IRI"),
    ],
)
def test_v30_statement_ref_rules(obj: dict[str, Any], match: str) -> None:
    """V-30: objectType StatementRef and a UUID id, nothing else."""
    reject(statement(object=obj), match=match)


@pytest.mark.parametrize(
    ("extra", "match"),
    [
        ({"id": UUID_A}, "object.id: is not an allowed"),
        ({"stored": "2024-01-01T00:00:00Z"}, "object.stored: is not an allowed"),
        ({"version": "1.0.0"}, "object.version: is not an allowed"),
        ({"authority": AGENT}, "object.authority: is not an allowed"),
        ({"object": SUB}, "object.object: a SubStatement must not contain a SubStatement"),
    ],
)
def test_v31_substatement_restrictions(extra: dict[str, Any], match: str) -> None:
    """V-31: no id/stored/version/authority, no nested SubStatement."""
    reject(statement(object={**SUB, **extra}), match=match)


@pytest.mark.parametrize("missing", ["actor", "verb", "object", "objectType"])
def test_v31_substatement_required_properties(missing: str) -> None:
    """V-31: objectType, actor, verb, object required (no objectType means an Activity)."""
    sub = {k: v for k, v in SUB.items() if k != missing}
    reject(statement(object=sub), match="statement.object")


def test_v31_full_substatement_accepted() -> None:
    """V-31: result, context, future timestamp and attachments are allowed."""
    sub = {
        **SUB,
        "result": {"success": True},
        "context": {"platform": "p", "contextActivities": {"parent": ACTIVITY}},
        "timestamp": "2999-01-01T00:00:00Z",
        "attachments": [ATTACHMENT],
    }
    accept(statement(object=sub))


# --- 2.6 result ------------------------------------------------------------------------------


def test_v32_full_result_accepted() -> None:
    """V-32: all result properties."""
    result = {
        "score": {"scaled": 0.5, "raw": 50, "min": 0, "max": 100},
        "success": False,
        "completion": True,
        "response": "golf",
        "duration": "PT1H",
        "extensions": {"http://example.com/e": 1},
    }
    accept(statement(result=result))


@pytest.mark.parametrize(
    ("result", "match"),
    [
        ({"success": "true"}, "result.success: must be a boolean"),
        ({"completion": "false"}, "result.completion: must be a boolean"),
        ({"response": 1}, "result.response: must be a string"),
        ({"response": {}}, "result.response: must be a string"),
        ({"score": 5}, "result.score: must be a JSON object"),
        ({"extensions": []}, "result.extensions: must be a JSON object"),
        ("passed", "statement.result: must be a JSON object"),
    ],
)
def test_v32_result_types(result: object, match: str) -> None:
    """V-32: booleans, strings, score object, extensions object."""
    reject(statement(result=result), match=match)


@pytest.mark.parametrize(
    "score",
    [
        {"scaled": 1.0},
        {"scaled": -1.0},
        {"scaled": 0},
        {"raw": 5, "min": 5, "max": 6},
        {"raw": 6, "min": 5, "max": 6},
        {"raw": -3},
        {"min": -1},
    ],
)
def test_v33_score_accepted(score: dict[str, Any]) -> None:
    """V-33: scaled in [-1, 1]; raw within [min, max]."""
    accept(statement(result={"score": score}))


@pytest.mark.parametrize(
    ("score", "match"),
    [
        ({"scaled": 1.01}, "scaled: must be <= 1"),
        ({"scaled": -1.00001}, "scaled: must be >= -1"),
        ({"min": 10, "max": 5}, "min must be less than max"),
        ({"min": 5, "max": 5}, "min must be less than max"),
        ({"raw": 4, "min": 5}, "raw must lie between"),
        ({"raw": 11, "max": 10}, "raw must lie between"),
        ({"raw": "5"}, "raw: must be a number"),
        ({"max": False}, "max: must be a number"),
    ],
)
def test_v33_score_rejected(score: dict[str, Any], match: str) -> None:
    """V-33: range and ordering rules; numbers only."""
    reject(statement(result={"score": score}), match=match)


# --- 2.7 context -----------------------------------------------------------------------------


@pytest.mark.parametrize("version", VERSIONS)
def test_v34_full_context_accepted(version: str) -> None:
    """V-34: all 1.0.3 context properties."""
    context = {
        "registration": UUID_A,
        "instructor": AGENT,
        "team": GROUP,
        "contextActivities": {
            "parent": ACTIVITY,
            "grouping": [ACTIVITY],
            "category": [],
            "other": [ACTIVITY, ACTIVITY],
        },
        "revision": "r1",
        "platform": "p",
        "language": "en-US",
        "statement": STATEMENT_REF,
        "extensions": {"http://example.com/e": None},
    }
    accept(statement(context=context), version)


@pytest.mark.parametrize("key", ["Registration", "activities", "agents", "contextagents"])
def test_v34_unknown_context_property(key: str) -> None:
    """V-34: other properties are rejected."""
    reject(statement(context={key: []}), match=f"context.{key}: is not an allowed")


NON_ACTIVITY_OBJECTS = {
    "Agent": AGENT_B,
    "Group": GROUP,
    "StatementRef": STATEMENT_REF,
    "SubStatement": SUB,
}


@pytest.mark.parametrize("prop", ["revision", "platform"])
@pytest.mark.parametrize("obj", NON_ACTIVITY_OBJECTS.values(), ids=NON_ACTIVITY_OBJECTS.keys())
def test_v35_revision_platform_need_activity_object(prop: str, obj: dict[str, Any]) -> None:
    """V-35: revision/platform only when the object is an Activity."""
    reject(statement(object=obj, context={prop: "x"}), match="require an Activity object")
    accept(statement(object=obj, context={"language": "en"}))


@pytest.mark.parametrize("prop", ["revision", "platform"])
@pytest.mark.parametrize(
    "obj", [AGENT_B, GROUP, STATEMENT_REF], ids=["Agent", "Group", "StatementRef"]
)
def test_v35_applies_inside_substatement(prop: str, obj: dict[str, Any]) -> None:
    """V-35: a SubStatement's own object decides; an Activity object allows them."""
    reject(
        statement(object={**SUB, "object": obj, "context": {prop: "x"}}),
        match="statement.object: context",
    )
    accept(statement(object={**SUB, "context": {prop: "x"}}))


@pytest.mark.parametrize(
    ("context_activities", "match"),
    [
        ({"parent": {"key": "should fail"}}, "parent.id: is required"),
        ({"parent": [{"key": "should fail"}]}, r"parent\[0\].id: is required"),
        ({"parent": [ACTIVITY, AGENT_B]}, r"parent\[1\].objectType: must be 'Activity'"),
        ({"parent": "http://example.com/a"}, "parent: must be an Activity object or an array"),
        ({"parent": [ACTIVITY, "x"]}, r"parent\[1\]: must be a JSON object"),
        ({"sibling": [ACTIVITY]}, "sibling: is not an allowed"),
        ([ACTIVITY], "contextActivities: must be a JSON object"),
    ],
)
def test_v36_context_activities_rules(context_activities: object, match: str) -> None:
    """V-36: four keys; one Activity or an array of Activities."""
    reject(statement(context={"contextActivities": context_activities}), match=match)


def test_v37_single_and_array_forms_accepted_unchanged() -> None:
    """V-37: both forms are valid; the array normalization happens at storage, not here."""
    body = statement(context={"contextActivities": {"parent": ACTIVITY, "other": [ACTIVITY]}})
    out = accept(body)
    assert out[0]["context"]["contextActivities"]["parent"] == ACTIVITY


@pytest.mark.parametrize(
    ("ref", "match"),
    [
        ({"id": UUID_A}, "context.statement.objectType: is required"),
        ({"objectType": "statementref", "id": UUID_A}, "objectType: must be 'StatementRef'"),
        ({"objectType": "StatementRef", "id": "x"}, "context.statement.id: must be a UUID"),
        (ACTIVITY, "context.statement"),
    ],
)
def test_v38_context_statement_is_statement_ref(ref: dict[str, Any], match: str) -> None:
    """V-38: context.statement is a valid StatementRef."""
    reject(statement(context={"statement": ref}), match=match)


@pytest.mark.parametrize(
    "build",
    [
        lambda e: statement(object={**ACTIVITY, "definition": {"extensions": e}}),
        lambda e: statement(result={"extensions": e}),
        lambda e: statement(context={"extensions": e}),
    ],
    ids=["definition", "result", "context"],
)
def test_v39_extensions(build: Any) -> None:
    """V-39: IRI keys, any values; non-object maps rejected."""
    accept(
        build(
            {"http://example.com/a": None, "http://example.com/b": [1, {"x": None}], "urn:x:y": ""}
        )
    )
    reject(build({"not-an-iri": 1}), match="invalid key .*IRI")
    reject(build(["http://example.com/a"]), match="extensions: must be a JSON object")
    reject(build("x"), match="extensions: must be a JSON object")


CONTEXT_AGENT = {
    "objectType": "contextAgent",
    "agent": AGENT,
    "relevantTypes": ["http://example.com/t"],
}
CONTEXT_GROUP = {
    "objectType": "contextGroup",
    "group": GROUP,
    "relevantTypes": ["http://example.com/t"],
}


def test_v40_context_agents_and_groups_accepted_for_2_0() -> None:
    """V-40/X-5: contextAgents/contextGroups in statement and SubStatement contexts."""
    context = {
        "contextAgents": [CONTEXT_AGENT, {"objectType": "contextAgent", "agent": AGENT_B}],
        "contextGroups": [
            CONTEXT_GROUP,
            {"objectType": "contextGroup", "group": {"objectType": "Group", "mbox": MBOX}},
        ],
    }
    accept(statement(context=context, object={**SUB, "context": context}), "2.0.0")


@pytest.mark.parametrize("key", ["contextAgents", "contextGroups"])
def test_v40_context_agents_and_groups_rejected_for_1_0(key: str) -> None:
    """V-40/X-5: unknown properties in 1.0.x requests, also inside SubStatements."""
    value = [CONTEXT_AGENT if key == "contextAgents" else CONTEXT_GROUP]
    reject(
        statement(context={key: value}),
        "1.0.3",
        match=f"statement.context.{key}: only allowed in xAPI 2.0",
    )
    reject(
        statement(object={**SUB, "context": {key: value}}), "1.0.3", match=f"object.context.{key}"
    )


@pytest.mark.parametrize(
    ("context", "match"),
    [
        (
            {"contextAgents": [{**CONTEXT_AGENT, "objectType": "Agent"}]},
            "objectType: must be 'contextAgent'",
        ),
        ({"contextAgents": [{"agent": AGENT}]}, r"contextAgents\[0\].objectType: is required"),
        (
            {"contextAgents": [{**CONTEXT_AGENT, "agent": {"key": "Should fail"}}]},
            "agent: is not an allowed|agent: an Agent must",
        ),
        ({"contextAgents": [{**CONTEXT_AGENT, "agent": GROUP}]}, "agent: must be an Agent"),
        (
            {"contextAgents": [{**CONTEXT_AGENT, "relevantTypes": []}]},
            "relevantTypes: must contain at least 1",
        ),
        (
            {"contextAgents": [{**CONTEXT_AGENT, "relevantTypes": ["bad"]}]},
            r"relevantTypes\[0\]: must be an absolute IRI",
        ),
        ({"contextAgents": [{**CONTEXT_AGENT, "extra": 1}]}, "extra: is not an allowed"),
        ({"contextAgents": CONTEXT_AGENT}, "contextAgents: must be an array"),
        (
            {"contextGroups": [{**CONTEXT_GROUP, "objectType": "contextAgent"}]},
            "objectType: must be 'contextGroup'",
        ),
        ({"contextGroups": [{**CONTEXT_GROUP, "group": AGENT}]}, "group: must be a Group"),
        (
            {"contextGroups": [{**CONTEXT_GROUP, "group": {"key": "Should fail"}}]},
            "group: must be a Group",
        ),
        (
            {"contextGroups": [{**CONTEXT_GROUP, "relevantTypes": []}]},
            "relevantTypes: must contain at least 1",
        ),
    ],
)
def test_v40_context_agent_and_group_rules(context: dict[str, Any], match: str) -> None:
    """V-40: exact objectType, valid agent/group, non-empty IRI relevantTypes, closed objects."""
    reject(statement(context=context), "2.0.0", match=match)


# --- 2.8 timestamp, stored, authority, version, id ---------------------------------------------


@pytest.mark.parametrize(
    "authority",
    [
        {"objectType": "Agent", "account": ACCOUNT},
        {"mbox": MBOX},
        {"objectType": "Group", "member": [{"account": ACCOUNT}, {"mbox": MBOX}]},
    ],
)
def test_v42_authority_accepted(authority: dict[str, Any]) -> None:
    """V-42: an Agent, or an anonymous Group of exactly two Agents."""
    accept(statement(authority=authority))


@pytest.mark.parametrize(
    ("authority", "match"),
    [
        (
            {"objectType": "Group", "mbox": MBOX, "member": [AGENT, AGENT_B]},
            "authority Group must be anonymous",
        ),
        ({"objectType": "Group", "member": [AGENT]}, "authority.member: must contain at least 2"),
        (
            {"objectType": "Group", "member": [AGENT, AGENT_B, {"mbox": "mailto:c@d.ef"}]},
            "at most 2",
        ),
        ({"objectType": "Group"}, "authority.member: is required"),
        ({"objectType": "Group", "member": [AGENT, GROUP]}, r"member\[1\]: must be an Agent"),
        ({"name": "no ifi"}, "exactly one of"),
    ],
)
def test_v42_authority_rejected(authority: dict[str, Any], match: str) -> None:
    """V-42: identified Groups, wrong member counts, missing members, bad Agents."""
    reject(statement(authority=authority), match=match)


@pytest.mark.parametrize(
    ("value", "ok"), [(UUID_A, True), (UUID_A.upper(), True), ("abc", False), (123, False)]
)
def test_v43_statement_id(value: object, ok: bool) -> None:
    """V-43: id is a UUID."""
    if ok:
        accept(statement(id=value))
    else:
        reject(statement(id=value), match="statement.id: must be")


# --- 2.9 attachments -------------------------------------------------------------------------


def test_v44_attachments_accepted() -> None:
    """V-44: full attachment, media-type parameters, empty array."""
    full = {
        **ATTACHMENT,
        "description": {"en-US": "d"},
        "fileUrl": "http://example.com/f",
        "contentType": "text/plain; charset=ascii",
    }
    accept(statement(attachments=[full, ATTACHMENT]))
    accept(statement(attachments=[]))


@pytest.mark.parametrize("missing", ["usageType", "display", "contentType", "length", "sha2"])
def test_v44_attachment_required_properties(missing: str) -> None:
    """V-44: usageType, display, contentType, length, sha2 are required."""
    attachment = {k: v for k, v in ATTACHMENT.items() if k != missing}
    reject(statement(attachments=[attachment]), match=rf"attachments\[0\].{missing}: is required")


@pytest.mark.parametrize(
    ("change", "match"),
    [
        ({"contentType": 5}, "contentType: must be a string"),
        ({"contentType": "not a media type"}, "contentType: must be an internet media type"),
        ({"length": "4235"}, "length: must be a non-negative integer"),
        ({"length": -1}, "length: must be a non-negative integer"),
        ({"sha2": 5}, "sha2: must be a string"),
        ({"fileUrl": "should fail"}, "fileUrl: must be an absolute IRI"),
        ({"display": "x"}, "display: must be a JSON object"),
        ({"extra": 1}, "extra: is not an allowed"),
    ],
)
def test_v44_attachment_property_rules(change: dict[str, Any], match: str) -> None:
    """V-44: types and formats of attachment properties."""
    reject(statement(attachments=[{**ATTACHMENT, **change}]), match=match)


@pytest.mark.parametrize(
    ("attachments", "match"),
    [
        (ATTACHMENT, "attachments: must be an array"),
        ([5], r"attachments\[0\]: must be a JSON object"),
        (["x"], r"attachments\[0\]"),
    ],
)
def test_v44_attachments_shape(attachments: object, match: str) -> None:
    """V-44: an array of objects."""
    reject(statement(attachments=attachments), match=match)


def test_v45_voiding_requires_statement_ref() -> None:
    """V-45: the voided verb needs a StatementRef object."""
    voiding = {"id": VOIDED, "display": {"en-US": "voided"}}
    accept(statement(verb=voiding, object=STATEMENT_REF))
    reject(statement(verb=voiding), match="voiding statement's object must be a StatementRef")
    reject(statement(verb=voiding, object=AGENT_B), match="voiding")


# --- 2.10 batches ----------------------------------------------------------------------------


@pytest.mark.parametrize("version", VERSIONS)
def test_v46_one_bad_statement_fails_the_batch(version: str) -> None:
    """V-46: all-or-nothing; the message names the failing index."""
    batch = [statement(), statement(), statement(actor={"name": "x"}), statement()]
    reject(batch, version, match=r"^statements\[2\].actor: an Agent must have exactly one of mbox")


@pytest.mark.parametrize("version", VERSIONS)
def test_v47_duplicate_ids_in_batch_rejected(version: str) -> None:
    """V-47: same id twice in one batch (case-insensitive) → 400."""
    batch = [statement(id=UUID_A), statement(id=UUID_B), statement(id=UUID_A.upper())]
    reject(batch, version, match=r"statements\[2\].id: duplicate statement id .*statements\[0\]")
    assert accept([statement(id=UUID_A), statement(id=UUID_B), statement()], version)


@pytest.mark.parametrize("version", VERSIONS)
def test_v48_empty_batch_is_valid(version: str) -> None:
    """V-48: an empty array validates to an empty list."""
    assert accept([], version) == []


def test_v46_batch_returns_original_dicts_in_order() -> None:
    """V-46/V-48: the returned list holds the original statement objects, in order."""
    batch = [statement(id=UUID_A), statement(id=UUID_B)]
    out = accept(batch)
    assert len(out) == 2
    assert all(a is b for a, b in zip(out, batch, strict=True))

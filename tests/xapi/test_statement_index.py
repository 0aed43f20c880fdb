"""Unit tests of service.xapi.statement_index: the keys queries find a statement by (SR-42)."""

from __future__ import annotations

from typing import Any

from service.model.statements import KeyKind
from service.xapi.statement_index import index_statement

ANN = {"name": "Ann", "mbox": "mailto:ann@EXAMPLE.org"}
BOB = {"objectType": "Agent", "account": {"homePage": "http://h.example", "name": "bob"}}
CAT = {"openid": "http://cat.example/"}
DAN = {"mbox_sha1sum": "AB" * 20}
TEAM = {"objectType": "Group", "mbox": "mailto:team@example.org", "member": [CAT]}
AUTHORITY = {"objectType": "Group", "member": [{"mbox": "mailto:app@x.org"}, DAN]}
PARENT = {"id": "http://example.org/parent", "definition": {"name": {"en": "Parent"}}}
REGISTRATION = "AAAAAAAA-0000-4000-8000-000000000000"


def _statement(obj: dict[str, Any]) -> dict[str, Any]:
    return {
        "actor": {"objectType": "Group", "member": [ANN, BOB]},
        "verb": {"id": "http://example.org/verb"},
        "object": obj,
        "authority": AUTHORITY,
        "context": {
            "registration": REGISTRATION,
            "instructor": DAN,
            "team": TEAM,
            "contextActivities": {"parent": PARENT, "other": [{"id": "http://example.org/o"}]},
        },
    }


def test_actor_members_object_context_and_authority_keys() -> None:
    """SR-42: group members match as the group does; context and authority only as related."""
    cat_object = {"objectType": "Agent", **CAT}
    index = index_statement(_statement(cat_object))
    ann, bob = "mbox:mailto:ann@example.org", "account:http://h.example|bob"
    cat, dan, team = (
        "openid:http://cat.example/",
        "mbox_sha1sum:" + "ab" * 20,
        "mbox:mailto:team@example.org",
    )
    agent, related = KeyKind.AGENT, KeyKind.RELATED_AGENT
    activity = KeyKind.RELATED_ACTIVITY
    assert index.keys == {
        (KeyKind.VERB, "http://example.org/verb"),
        *((agent, key) for key in (ann, bob, cat)),
        *((related, key) for key in (ann, bob, cat, dan, team, "mbox:mailto:app@x.org")),
        (activity, PARENT["id"]),
        (activity, "http://example.org/o"),
        (KeyKind.REGISTRATION, REGISTRATION.lower()),
    }
    assert index.authority is None  # an anonymous group has no key of its own
    assert index.agents == [ANN, BOB, cat_object, DAN, TEAM]  # TEAM's CAT is a repeat
    assert index.definitions == [(PARENT["id"], PARENT["definition"])]


def test_substatement_counts_only_as_related() -> None:
    sub = {
        "objectType": "SubStatement",
        "actor": ANN,
        "verb": {"id": "http://example.org/sub-verb"},
        "object": {"id": "http://example.org/inner", "definition": {"type": "http://t.example"}},
        "context": {"contextAgents": [{"objectType": "contextAgent", "agent": BOB}]},
    }
    statement = _statement(sub)
    statement["actor"] = CAT
    statement["authority"] = DAN
    index = index_statement(statement)
    assert (KeyKind.AGENT, "mbox:mailto:ann@example.org") not in index.keys
    assert (KeyKind.RELATED_AGENT, "mbox:mailto:ann@example.org") in index.keys
    assert (KeyKind.ACTIVITY, "http://example.org/inner") not in index.keys
    assert (KeyKind.RELATED_ACTIVITY, "http://example.org/inner") in index.keys
    assert index.authority == "mbox_sha1sum:" + "ab" * 20
    assert index.agents == [CAT, ANN, BOB, DAN, TEAM]
    assert index.definitions == [
        ("http://example.org/inner", {"type": "http://t.example"}),
        (PARENT["id"], PARENT["definition"]),
    ]


def test_voiding_statement_names_its_target() -> None:
    statement = _statement({"objectType": "StatementRef", "id": REGISTRATION})
    statement["verb"] = {"id": "http://adlnet.gov/expapi/verbs/voided"}
    index = index_statement(statement)
    assert index.ref_target == index.voids == REGISTRATION.lower()

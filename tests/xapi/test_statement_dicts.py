"""The dict validator of the ingest path agrees with the statement models (digest section 2).

`STATEMENT_DICT_LIST` is derived from `STATEMENT_LIST` without building model instances; for
rich valid statements and for every one-step mutation of them, both must accept the same
bodies and report the same errors (location and message), in both xAPI versions.
"""

from __future__ import annotations

import copy
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from schemas.statement import STATEMENT_DICT_LIST, STATEMENT_LIST
from service.xapi.validation import error_message, json_path

UUID_A = "6ba7b810-9dad-41d1-80b4-00c04fd430c8"
ANN = {"objectType": "Agent", "name": "Ann", "mbox": "mailto:ann@example.org"}
BOB = {"account": {"homePage": "http://example.org", "name": "bob"}}
CHOICE = {
    "name": {"en-US": "Question"},
    "type": "http://adlnet.gov/expapi/activities/cmi.interaction",
    "interactionType": "choice",
    "correctResponsesPattern": ["a"],
    "choices": [{"id": "a", "description": {"en": "A"}}, {"id": "b"}],
}
CONTEXT = {
    "registration": UUID_A,
    "instructor": {"objectType": "Group", "member": [ANN, BOB]},
    "team": {"objectType": "Group", "openid": "http://team.example.org/", "member": [BOB]},
    "contextActivities": {"parent": {"id": "http://example.org/p"}, "other": [{"id": "x:y"}]},
    "revision": "r1",
    "platform": "LMS",
    "language": "de-CH-1996",
    "statement": {"objectType": "StatementRef", "id": UUID_A},
    "extensions": {"http://example.org/x": {"any": [1, None]}},
    "contextAgents": [{"objectType": "contextAgent", "agent": ANN, "relevantTypes": ["x:t"]}],
    "contextGroups": [
        {"objectType": "contextGroup", "group": {"objectType": "Group", "member": [ANN]}}
    ],
}
RESULT = {
    "score": {"scaled": 0.5, "raw": 5, "min": 0, "max": 10},
    "success": True,
    "completion": False,
    "response": "a",
    "duration": "PT1M",
    "extensions": {"http://example.org/r": 1},
}
ATTACHMENT = {
    "usageType": "http://example.org/u",
    "display": {"en": "A"},
    "contentType": "text/plain",
    "length": 10.0,
    "sha2": "a" * 64,
}
STATEMENTS: list[dict[str, Any]] = [
    {
        "id": UUID_A,
        "actor": ANN,
        "verb": {"id": "http://example.org/v", "display": {"en-US": "did"}},
        "object": {"objectType": "Activity", "id": "http://example.org/a", "definition": CHOICE},
        "result": RESULT,
        "context": CONTEXT,
        "timestamp": "2024-03-05T10:00:00.123+02:00",
        "authority": {"objectType": "Group", "member": [ANN, BOB]},
        "version": "2.0.0",
        "attachments": [ATTACHMENT],
    },
    {
        "actor": {"objectType": "Group", "name": "G", "member": [ANN]},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/voided"},
        "object": {"objectType": "StatementRef", "id": UUID_A},
        "stored": "2024-03-05T10:00:00Z",
    },
    {
        "actor": BOB,
        "verb": {"id": "http://example.org/v"},
        "object": {
            "objectType": "SubStatement",
            "actor": ANN,
            "verb": {"id": "http://example.org/v"},
            "object": {"objectType": "Agent", "mbox_sha1sum": "b" * 40},
            "result": {"score": {"min": 1, "max": 2}},
            "context": {"language": "en", "instructor": BOB},
            "timestamp": "2024-03-05T10:00:00Z",
        },
        "context": {"registration": UUID_A},
    },
]
ODD_VALUES: st.SearchStrategy[Any] = st.sampled_from(
    [None, 1, -1, 1.5, True, "", "x", "not an iri", "x:y", UUID_A, [], [{}], {}, {"id": "x:y"}]
)


def _paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every location inside a JSON value (object members and array items)."""
    found = [path]
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _paths(item, (*path, index))
    return found


@st.composite
def mutated_batches(draw: st.DrawFn) -> list[Any]:
    """The sample statements with up to three members replaced, removed or added."""
    batch: list[Any] = orjson.loads(orjson.dumps(STATEMENTS))  # no shared objects
    for _ in range(draw(st.integers(0, 3))):
        path = draw(st.sampled_from(_paths(batch)[1:]))
        holder = batch
        for step in path[:-1]:
            holder = holder[step]
        action = draw(st.sampled_from(["set", "drop", "add"]))
        if action == "set":
            holder[path[-1]] = copy.deepcopy(draw(ODD_VALUES))
        elif action == "drop" and isinstance(holder, dict):
            del holder[path[-1]]
        elif isinstance(holder[path[-1]], dict):
            holder[path[-1]][draw(st.sampled_from(["objectType", "member", "id", "extra"]))] = draw(
                ODD_VALUES
            )
    return batch


def _errors(validate: Any, batch: list[Any], version: str) -> list[str]:
    """Every error as the client would read it (a model's type error is a dict's)."""
    try:
        validate(batch, context={"version": version})
    except ValidationError as exc:
        return [
            f"{json_path('statements', e['loc'])}: {error_message(e)}"
            for e in exc.errors(include_url=False)
        ]
    return []


def test_sample_statements_are_valid() -> None:
    for version in ("1.0.3", "2.0.0"):
        STATEMENT_LIST.validate_python(STATEMENTS[1:], context={"version": version})
    STATEMENT_LIST.validate_python(STATEMENTS, context={"version": "2.0.0"})
    assert _errors(STATEMENT_DICT_LIST.validate_python, STATEMENTS, "2.0.0") == []


@settings(max_examples=600, deadline=None)
@given(batch=mutated_batches(), version=st.sampled_from(["1.0.3", "2.0.0"]))
def test_dict_validator_reports_what_the_models_report(batch: list[Any], version: str) -> None:
    expected = _errors(STATEMENT_LIST.validate_python, batch, version)
    assert _errors(STATEMENT_DICT_LIST.validate_python, batch, version) == expected


def _with(index: int, *path_and_value: Any) -> list[Any]:
    """The sample batch with the member at `path` (all but the last argument) set."""
    batch: list[Any] = orjson.loads(orjson.dumps(STATEMENTS))
    *path, value = path_and_value
    holder = batch[index]
    for step in path[:-1]:
        holder = holder[step]
    holder[path[-1]] = value
    return batch


AGENT_OBJECT = {"objectType": "Agent", "mbox": "mailto:x@example.org"}
CROSS_FIELD_CASES = {
    "V-33 min not below max": _with(0, "result", "score", "max", 0),
    "V-33 raw below min": _with(0, "result", "score", "raw", -1),
    "V-33 raw above max": _with(0, "result", "score", "raw", 11),
    "V-33 in a SubStatement": _with(2, "object", "result", "score", "min", 3),
    "V-35 revision with an Agent object": _with(0, "object", AGENT_OBJECT),
    "V-35 platform with a StatementRef": _with(
        1, "context", {"platform": "LMS", "registration": UUID_A}
    ),
    "V-35 in a SubStatement": _with(2, "object", "context", "revision", "r"),
    "V-45 voiding an Activity": _with(1, "object", {"id": "http://example.org/a"}),
    "V-29 duplicate choice ids": _with(
        0, "object", "definition", "choices", [{"id": "a"}, {"id": "a"}]
    ),
    "V-28 pattern without interactionType": _with(
        0, "object", "definition", {"correctResponsesPattern": ["a"]}
    ),
}


@pytest.mark.parametrize("batch", CROSS_FIELD_CASES.values(), ids=CROSS_FIELD_CASES.keys())
def test_cross_field_rules_hold_for_dicts(batch: list[Any]) -> None:
    for version in ("1.0.3", "2.0.0"):
        expected = _errors(STATEMENT_LIST.validate_python, batch, version)
        assert expected
        assert _errors(STATEMENT_DICT_LIST.validate_python, batch, version) == expected

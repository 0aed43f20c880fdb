"""Hypothesis strategies: valid xAPI statements, and one-mutation invalid ones (V-1..V-47).

`valid_statements()` builds statements every rule accepts. `invalid_statements()` takes one and
applies exactly one mutation drawn from the validation rules, so the LRS must answer 400. A
mutation returns the request body as bytes, because some (invalid UTF-8, NaN, deep nesting) can
only be expressed on the wire.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import orjson
from hypothesis import strategies as st

Statement = dict[str, Any]
Mutation = Callable[[Statement, st.DrawFn], Any]
"""Change a deep copy of a valid statement; return the new JSON value or raw bytes."""

VOIDED = "http://adlnet.gov/expapi/verbs/voided"
_SLUG = st.text("abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=10)
_IRI = _SLUG.map(lambda s: f"http://example.org/fuzz/{s}")
_TAG = st.sampled_from(["en", "en-US", "de-DE", "zh-Hant", "sr-Latn-RS", "fr-CA", "tlh"])
_TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=20)
_LANGUAGE_MAP = st.dictionaries(_TAG, _TEXT, min_size=1, max_size=3)
_UUID = st.uuids(version=4).map(str)
_TIMESTAMP = st.sampled_from(
    [
        "2024-03-05T10:00:00Z",
        "2024-03-05T10:00:00.123456+02:00",
        "2031-12-31T23:59:59.9Z",
        "2024-02-29T00:00:00+00:00",
    ]
)
_DURATION = st.sampled_from(["PT1H0M0.1S", "P3Y1M29DT4H35M59.14S", "P4W", "PT16559.14S", "P3Y"])


@st.composite
def agents(draw: st.DrawFn) -> Statement:
    """V-18: exactly one IFI, optional name."""
    name = draw(_SLUG)
    ifi: Statement = draw(
        st.sampled_from(
            [
                {"mbox": f"mailto:{name}@example.org"},
                {"mbox_sha1sum": draw(st.text("0123456789abcdef", min_size=40, max_size=40))},
                {"openid": f"http://openid.example.org/{name}"},
                {"account": {"homePage": "http://example.org", "name": name}},
            ]
        )
    )
    agent: Statement = {"objectType": "Agent", **ifi}
    if draw(st.booleans()):
        agent["name"] = draw(_TEXT)
    return agent


@st.composite
def scores(draw: st.DrawFn) -> Statement:
    """V-33: scaled in [-1, 1], min < raw < max."""
    low = draw(st.integers(-100, 0))
    high = draw(st.integers(1, 100))
    return {
        "scaled": draw(st.floats(-1, 1)),
        "min": low,
        "max": high,
        "raw": draw(st.integers(low, high)),
    }


@st.composite
def valid_statements(draw: st.DrawFn) -> Statement:
    """A statement that every validation rule accepts, with a fresh id."""
    statement: Statement = {
        "id": draw(_UUID),
        "actor": draw(agents()),
        "verb": {"id": draw(_IRI), "display": draw(_LANGUAGE_MAP)},
        "object": {
            "objectType": "Activity",
            "id": draw(_IRI),
            "definition": {"name": draw(_LANGUAGE_MAP), "type": draw(_IRI)},
        },
    }
    if draw(st.booleans()):
        statement["result"] = {
            "score": draw(scores()),
            "success": draw(st.booleans()),
            "duration": draw(_DURATION),
            "extensions": {draw(_IRI): draw(_TEXT)},
        }
    if draw(st.booleans()):
        statement["context"] = {
            "registration": draw(_UUID),
            "language": draw(_TAG),
            "contextActivities": {"parent": [{"id": draw(_IRI)}]},
        }
    if draw(st.booleans()):
        statement["timestamp"] = draw(_TIMESTAMP)
    return statement


def _set(path: tuple[str, ...], value: Any) -> Mutation:
    """Put `value` at `path`, creating the objects on the way."""

    def mutate(statement: Statement, draw: st.DrawFn) -> Any:
        node = statement
        for key in path[:-1]:
            node = node.setdefault(key, {})
        node[path[-1]] = value
        return statement

    return mutate


def _drop(*path: str) -> Mutation:
    def mutate(statement: Statement, draw: st.DrawFn) -> Any:
        node = statement
        for key in path[:-1]:
            node = node[key]
        del node[path[-1]]
        return statement

    return mutate


def _wrong_type(statement: Statement, draw: st.DrawFn) -> Any:
    """V-3: a JSON type the property does not take."""
    path = draw(
        st.sampled_from(
            [("actor",), ("verb",), ("verb", "id"), ("object",), ("object", "id"), ("id",)]
        )
    )
    value: Any = draw(st.sampled_from([1, 1.5, True, [], "text", {"a": 1}, None]))
    if value == "text" and path in {("verb", "id"), ("object", "id"), ("id",)}:
        value = 12
    return _set(path, value)(statement, draw)


def _bytes_of(transform: Callable[[bytes], bytes]) -> Mutation:
    def mutate(statement: Statement, draw: st.DrawFn) -> Any:
        return transform(orjson.dumps(statement))

    return mutate


def _invalid_utf8(body: bytes) -> bytes:
    """V-1, T-8: a byte sequence that is not UTF-8 inside a string."""
    return body.replace(b'"actor":{', b'"actor":{"name":"\xff\xfe",', 1)


def _nan(body: bytes) -> bytes:
    """V-1: NaN is not JSON."""
    return body.replace(b'"actor":{', b'"actor":{"name":NaN,', 1)


def _deep(statement: Statement, draw: st.DrawFn) -> Any:
    """Nesting far deeper than any statement, in verb.display (always invalid); as bytes,
    since neither orjson nor repr() handle thousands of levels of Python objects."""
    depth = draw(st.sampled_from([64, 600, 5000]))
    statement["verb"]["display"] = "@@"
    nested = b'{"en":' * depth + b'"x"' + b"}" * depth
    return orjson.dumps(statement).replace(b'"@@"', nested, 1)


def _deep_extension(statement: Statement, draw: st.DrawFn) -> Any:
    """Extension values are open, but JSON nested beyond any parser's limit is malformed."""
    depth = 5000
    body = orjson.dumps(statement)
    inner = b"[" * depth + b"]" * depth
    extension = b'"result":{"extensions":{"http://e.org/x":' + inner + b"}},"
    return body.replace(b'"actor":{', extension + b'"actor":{', 1)


def _huge_string(statement: Statement, draw: st.DrawFn) -> Any:
    """A 1 MB string where an IRI belongs, without a scheme."""
    statement["verb"]["id"] = "x" * 1_000_000
    return statement


def _voiding_an_activity(statement: Statement, draw: st.DrawFn) -> Any:
    """V-45: the voided verb needs a StatementRef object."""
    statement["verb"] = {"id": VOIDED}
    return statement


def _substatement_with_id(statement: Statement, draw: st.DrawFn) -> Any:
    """V-31: a SubStatement has no id, and does not nest."""
    inner = {"objectType": "SubStatement", "actor": statement["actor"], "verb": statement["verb"]}
    bad = draw(
        st.sampled_from(
            [
                {**inner, "object": {"id": "http://e.org/a"}, "id": statement["id"]},
                {**inner, "object": {**inner, "object": {"id": "http://e.org/a"}}},
            ]
        )
    )
    statement["object"] = bad
    return statement


MUTATIONS: dict[str, Mutation] = {
    "wrong type (V-3)": _wrong_type,
    "missing actor (V-8)": _drop("actor"),
    "missing verb (V-8)": _drop("verb"),
    "missing object (V-8)": _drop("object"),
    "missing verb id (V-23)": _drop("verb", "id"),
    "missing activity id (V-26)": _drop("object", "id"),
    "bad verb IRI (V-10)": _set(("verb", "id"), "not.a.valid.iri.com/verb"),
    "bad activity IRI (V-10)": _set(("object", "id"), "should fail"),
    "bad extension key (V-39)": _set(("result", "extensions"), {"example.com/wrong": 1}),
    "bad mbox (V-14)": _set(("actor",), {"mbox": "mailto:should.fail.com"}),
    "mbox not mailto (V-14)": _set(("actor",), {"mbox": "http://should.fail.com"}),
    "two IFIs (V-18)": _set(
        ("actor",), {"mbox": "mailto:a@example.org", "openid": "http://o.example.org/a"}
    ),
    "no IFI (V-18)": _set(("actor",), {"name": "nobody"}),
    "account without name (V-19)": _set(("actor",), {"account": {"homePage": "http://e.org"}}),
    "bad language tag (V-11)": _set(("verb", "display"), {"a12345678": "x"}),
    "language map value not a string (V-11)": _set(("verb", "display"), {"en": 3}),
    "language map not an object (V-11)": _set(("verb", "display"), "completed"),
    "unknown top-level property (V-4)": _set(("dummy",), 1),
    "mis-cased property (V-4)": _set(("Actor",), {"mbox": "mailto:a@example.org"}),
    "unknown nested property (V-4)": _set(("verb", "iD"), "http://e.org/v"),
    "null property (V-2)": _set(("verb", "display"), {"en": None}),
    "bad timestamp (V-12)": _set(("timestamp",), "2024-13-45T10:00:00Z"),
    "unknown-offset timestamp (V-12)": _set(("timestamp",), "2024-03-05T10:00:00-00:00"),
    "bad duration (V-13)": _set(("result", "duration"), "P4W1D"),
    "duration not ISO (V-13)": _set(("result", "duration"), "PA1H0M0S"),
    "scaled above 1 (V-33)": _set(("result", "score"), {"scaled": 1.01}),
    "min above max (V-33)": _set(("result", "score"), {"min": 5, "max": 1}),
    "raw above max (V-33)": _set(("result", "score"), {"raw": 11, "max": 10}),
    "success as string (V-32)": _set(("result", "success"), "true"),
    "bad statement id (V-43)": _set(("id",), "not-a-uuid"),
    "bad registration (V-34)": _set(("context", "registration"), "12345"),
    "lower-case objectType (V-24)": _set(("object", "objectType"), "activity"),
    "agent object without objectType (V-25)": _set(("object",), {"mbox": "mailto:a@e.org"}),
    "statement ref with bad id (V-30)": _set(
        ("object",), {"objectType": "StatementRef", "id": "nope"}
    ),
    "bad interactionType (V-27)": _set(("object", "definition", "interactionType"), "Choice"),
    "revision with agent object (V-35)": _set(
        ("object",), {"objectType": "Agent", "mbox": "mailto:b@example.org"}
    ),
    "bad contextActivities key (V-36)": _set(
        ("context", "contextActivities"), {"parents": {"id": "http://e.org/a"}}
    ),
    "team is an agent (V-22)": _set(("context", "team"), {"mbox": "mailto:a@example.org"}),
    "attachments not an array (V-44)": _set(("attachments",), {"usageType": "http://e.org"}),
    "voiding an activity (V-45)": _voiding_an_activity,
    "bad substatement (V-31)": _substatement_with_id,
    "invalid UTF-8 (V-1)": _bytes_of(_invalid_utf8),
    "NaN literal (V-1)": _bytes_of(_nan),
    "deep nesting": _deep,
    "deep nesting in an extension": _deep_extension,
    "huge string": _huge_string,
}


@st.composite
def invalid_statements(draw: st.DrawFn) -> tuple[str, Statement, Any]:
    """(mutation name, the valid original, the mutated JSON value or raw bytes)."""
    original = draw(valid_statements())
    name = draw(st.sampled_from(sorted(MUTATIONS)))
    mutated = MUTATIONS[name](copy.deepcopy(original), draw)
    if name == "revision with agent object (V-35)":
        mutated.setdefault("context", {})["revision"] = "1"
    return name, original, mutated


def encode(value: Any) -> bytes:
    """The body of a request: raw bytes pass through, JSON values are serialised."""
    return value if isinstance(value, bytes) else orjson.dumps(value)

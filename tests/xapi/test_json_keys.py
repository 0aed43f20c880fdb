"""Duplicate member names in a statement are rejected (V-1 SHOULD): orjson keeps the last,
another parser may keep the first and see a different statement (issue 14)."""

from __future__ import annotations

import json
from typing import Any

import httpx
import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from service.xapi.json_keys import has_duplicate_keys
from tests.builders import statement

TRICKY_TEXT = st.text(alphabet=st.sampled_from(['"', "\\", ":", "a", "é", "\n", " ", "{"]))
JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | TRICKY_TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TRICKY_TEXT, inner, max_size=4),
    max_leaves=30,
)


def _check(raw: bytes) -> bool:
    return has_duplicate_keys(raw, orjson.loads(raw))


@settings(max_examples=300, deadline=None)
@given(JSON_VALUES, st.sampled_from([None, 0, 2]), st.booleans())
def test_no_false_alarm_whatever_the_layout(value: Any, indent: int | None, ascii_: bool) -> None:
    raw = json.dumps(value, indent=indent, ensure_ascii=ascii_).encode()
    assert not _check(raw)
    assert not _check(orjson.dumps(value))


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(TRICKY_TEXT, JSON_VALUES, min_size=1, max_size=4), JSON_VALUES)
def test_every_duplicate_is_found(members: dict[str, Any], extra: Any) -> None:
    name = next(iter(members))
    body = json.dumps(members)[:-1] + f", {json.dumps(name)}: {json.dumps(extra)}}}"
    assert _check(body.encode())
    assert _check(b'[1,{"x":' + body.encode() + b"}]")  # nested inside others


def test_duplicates_hidden_behind_escapes_and_spaces_are_found() -> None:
    assert _check(b'{"a" : 1, "a":2}')
    assert _check(b'{"s":"x\\":y\\\\","s":"z"}')
    assert _check(b'{"\\u0061":1,"a":2}')  # the same name, spelled two ways
    assert not _check(b'{"a":"b:c","c":"\\"d\\":"}')


async def test_a_statement_with_a_duplicate_member_is_a_400(client: httpx.AsyncClient) -> None:
    built = statement()
    text = orjson.dumps(built).decode()
    doubled = text[:-1] + ',"verb":{"id":"http://example.org/verbs/other"}}'
    answer = await client.post(
        "/xapi/statements", content=doubled, headers={"Content-Type": "application/json"}
    )
    assert answer.status_code == 400, answer.text
    assert "twice" in answer.json()["message"]
    assert (
        await client.get("/xapi/statements", params={"statementId": built["id"]})
    ).status_code == 404
    pretty = json.dumps(built, indent=2)
    answer = await client.post(
        "/xapi/statements", content=pretty, headers={"Content-Type": "application/json"}
    )
    assert answer.status_code == 200, answer.text

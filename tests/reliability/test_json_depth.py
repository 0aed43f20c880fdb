"""JSON nesting depth is limited before parsing (LRS_MAX_JSON_DEPTH): 400, never 500."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from fastapi import FastAPI
from hypothesis import example, given
from hypothesis import strategies as st

from service.app import create_app
from service.xapi.json_depth import json_depth_exceeds
from tests.api.document_support import STATE, state_params
from tests.builders import activity, agent, statement
from tests.conftest import client_for, make_settings


def nested(depth: int) -> Any:
    """A JSON value of exactly `depth` levels of objects."""
    value: Any = "leaf"
    for _ in range(depth):
        value = {"a": value}
    return value


def nested_text(depth: int) -> str:
    """The same as `nested` as text, for depths orjson cannot serialize (over 254)."""
    return '{"a":' * depth + '"leaf"' + "}" * depth


def with_extension(text: str) -> tuple[str, bytes]:
    """A statement's id and body whose result extension is the given JSON text."""
    placeholder = "__extension__"
    head = statement(result={"extensions": {"http://example.org/ext": placeholder}})
    body = orjson.dumps(head).replace(f'"{placeholder}"'.encode(), text.encode())
    return head["id"], body


@pytest.mark.parametrize("depth", [70, 300, 1000])
async def test_deep_statement_is_400_and_not_stored(client: httpx.AsyncClient, depth: int) -> None:
    """V-1, T-22: an over-deep extension is refused with a message; nothing is stored.

    300 and 1000 levels used to pass orjson's parser (limit 1024) and fail serializing
    (limit 254) inside the store: a 500.
    """
    statement_id, body = with_extension(nested_text(depth))
    response = await client.post(
        "/xapi/statements", content=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert "deeper than 64 levels" in response.json()["message"]
    got = await client.get("/xapi/statements", params={"statementId": statement_id})
    assert got.status_code == 404


async def test_rich_statement_within_the_default_depth(client: httpx.AsyncClient) -> None:
    """A SubStatement with context activities, an interaction definition and extensions 40
    levels deep is well within the default limit."""
    interaction = activity(
        "quiz",
        interactionType="choice",
        choices=[{"id": "a", "description": {"en-US": "A"}}],
        extensions={"http://example.org/ext/deep": nested(40)},
    )
    sub = {
        "objectType": "SubStatement",
        "actor": agent("bob"),
        "verb": {"id": "http://example.org/verbs/answered"},
        "object": interaction,
        "context": {"contextActivities": {"parent": [interaction]}},
    }
    rich = statement(obj=sub, result={"extensions": {"http://example.org/ext/r": nested(40)}})
    response = await client.post("/xapi/statements", json=[rich])
    assert response.status_code == 200, response.text


async def test_depth_limit_is_configurable(tmp_path: Path) -> None:
    """LRS_MAX_JSON_DEPTH: a lower limit refuses what the default accepts."""
    app = create_app(make_settings(tmp_path, max_json_depth=10))
    async with app.router.lifespan_context(app), client_for(app, "2.0.0") as c:
        shallow = await c.post("/xapi/statements", content=with_extension(nested_text(5))[1])
        deep = await c.post("/xapi/statements", content=with_extension(nested_text(12))[1])
    assert shallow.status_code == 200
    assert deep.status_code == 400
    assert "deeper than 10 levels" in deep.json()["message"]


@pytest.mark.parametrize("method", ["PUT", "POST"])
async def test_deep_json_document_is_400(app: FastAPI, method: str) -> None:
    """D-6: a JSON document nested too deeply is refused on PUT and POST; nothing stored."""
    params = state_params()
    async with client_for(app, "2.0.0") as c:
        response = await c.request(
            method,
            STATE,
            params=params,
            content=nested_text(300).encode(),
            headers={"Content-Type": "application/json"},
        )
        assert response.status_code == 400
        assert "deeper than 64 levels" in response.json()["message"]
        assert (await c.get(STATE, params=params)).status_code == 404


async def test_deep_opaque_document_is_stored_as_is(app: FastAPI) -> None:
    """D-1: a document that is not declared JSON is bytes; its brackets mean nothing."""
    params = state_params()
    content = nested_text(300).encode()
    async with client_for(app, "2.0.0") as c:
        put = await c.put(STATE, params=params, content=content, headers={"Content-Type": "a/b"})
        assert put.status_code == 204
        assert (await c.get(STATE, params=params)).content == content


@pytest.mark.parametrize(
    ("text", "limit", "deeper"),
    [
        (b'{"a":[1,2,{"b":3}]}', 3, False),
        (b'{"a":[1,2,{"b":3}]}', 2, True),
        (b'{"a":"[[[[[[[[[[[[[[\\"[[[[{{{{"}', 1, False),
        (b'{"a":"\\\\","b":[[[]]]}', 3, True),
        (b"[[],[],[],[],[],[],[],[],[]]", 2, False),
        (b"[" * 40 + b"]" * 40, 40, False),
        (b"[" * 40 + b"]" * 40, 39, True),
        (b"", 1, False),
        (b'{"a":"[[[[[[","b":[[]]}', 2, True),
        (b'{"a":"[[[[[[","b":[[]]}', 3, False),
        (b'["]]]]]]",[[[]]]]', 3, True),
        (b'["]]]]]]",[[[]]]]', 4, False),
        (b'["x","{",[[1]],"}"]', 2, True),
        (b'["x","{",[[1]],"}"]', 3, False),
    ],
)
def test_depth_counts_structure_not_string_content(text: bytes, limit: int, deeper: bool) -> None:
    """Brackets inside strings (escaped quotes and backslashes too) do not count."""
    assert json_depth_exceeds(text, limit) is deeper


def depth_of(value: Any) -> int:
    """How deep arrays and objects nest in a parsed JSON value."""
    if isinstance(value, dict):
        return 1 + max(map(depth_of, value.values()), default=0)
    if isinstance(value, list):
        return 1 + max(map(depth_of, value), default=0)
    return 0


BRACKETY_TEXT = st.text(alphabet='[]{}"\\ a:,/é', max_size=6)
JSON_VALUES = st.recursive(
    st.none() | st.integers(-999, 999) | BRACKETY_TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(BRACKETY_TEXT, inner, max_size=4),
    max_leaves=30,
)


ENCODERS: dict[str, Callable[[Any], str]] = {
    "orjson": lambda value: orjson.dumps(value).decode(),
    "spaced": json.dumps,
    "PHP json_encode": lambda value: json.dumps(value).replace("/", "\\/"),  # and \u00e9
}


@given(
    value=JSON_VALUES,
    limit=st.integers(min_value=0, max_value=6),
    encoder=st.sampled_from(sorted(ENCODERS)),
)
def test_depth_matches_the_parsed_value(value: Any, limit: int, encoder: str) -> None:
    """Whatever brackets, quotes and escapes strings hold, the limit sees the parsed depth."""
    text = ENCODERS[encoder](value).encode()
    assert json_depth_exceeds(text, limit) is (depth_of(value) > limit)


def depth_exceeds_by_pattern(raw: bytes, limit: int) -> bool:
    """The limit as first written: strings cut out by a pattern, then innermost pairs removed."""
    if raw.count(b"[") + raw.count(b"{") <= limit:
        return False
    string = re.compile(rb'"[^"\\]*+(?:\\.[^"\\]*+)*+"')
    text = string.sub(b"", raw) if b"\\" in raw else b"".join(raw.split(b'"')[0::2])
    brackets = text.translate(
        bytes.maketrans(b"[]{}", b"()()"), bytes(set(range(256)) - set(b"[]{}"))
    )
    for _ in range(limit):
        brackets = brackets.replace(b"()", b"")
    return bool(brackets)


@example(raw=b' ", \\"{[}}}" "', limit=0)  # an escaped quote between strings
@example(raw=b'"\\\n,"}a{""', limit=0)  # the pattern ends no string at a backslash-newline
@example(raw=b'["\\"[[[[","x\\""]', limit=1)  # valid: brackets after an escaped quote
@given(
    raw=st.binary().map(lambda b: bytes(b'[]{}"\\/\n a'[x % 10] for x in b)),
    limit=st.integers(0, 6),
)
def test_depth_of_any_text_is_what_the_pattern_finds(raw: bytes, limit: int) -> None:
    """Invalid JSON too (unpaired quotes, stray backslashes): the answer, and so the message a
    client reads, is the same as with strings cut out by the pattern."""
    assert json_depth_exceeds(raw, limit) is depth_exceeds_by_pattern(raw, limit)

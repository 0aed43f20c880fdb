"""A forged `more` token is a 400, never a store error (SR-46, T-21; found by fuzzing, issue 9)."""

from __future__ import annotations

import base64
from typing import Any

import httpx
import orjson
import pytest

from tests.builders import statement

GOOD_QUERY: dict[str, Any] = {"limit": 10, "after_seq": 0}
FORGED = [
    {"agent": []},
    {"verb": {}},
    {"activity": 1},
    {"registration": ["x"]},
    {"since_ms": []},
    {"until_ms": "0"},
    {"since_ms": 2**63 - 1},
    {"after_seq": True},
    {"limit": "x"},
    {"limit": -1},
    {"limit": 0},
    {"limit": 10**6},
    {"ascending": "yes"},
    {"related_agents": 1},
]


def _token(query: Any) -> str:
    payload = orjson.dumps({"q": query, "f": "exact", "a": False})
    return base64.urlsafe_b64encode(payload).decode().rstrip("=")


@pytest.mark.parametrize("change", FORGED, ids=lambda change: repr(change))
async def test_forged_more_token_is_rejected(client: httpx.AsyncClient, change: Any) -> None:
    await client.post("/xapi/statements", json=statement())
    answer = await client.get("/xapi/statements", params={"more": _token(GOOD_QUERY | change)})
    assert answer.status_code == 400, answer.text
    assert answer.json()["message"] == "the 'more' token is not valid"
    assert "X-Experience-API-Version" in answer.headers


async def test_token_query_that_is_not_an_object_is_rejected(client: httpx.AsyncClient) -> None:
    answer = await client.get("/xapi/statements", params={"more": _token([1, 2])})
    assert answer.status_code == 400, answer.text


async def test_issued_more_token_still_pages(client: httpx.AsyncClient) -> None:
    ids = [s["id"] for s in (statement(), statement(), statement())]
    await client.post("/xapi/statements", json=[statement() | {"id": i} for i in ids])
    first = await client.get("/xapi/statements", params={"limit": "2"})
    more = first.json()["more"]
    assert more
    second = await client.get(more)
    assert second.status_code == 200, second.text
    assert len(second.json()["statements"]) == 1

"""Concurrency correctness against a served LRS with two worker processes on one SQLite file.

Many clients racing on the same statement ids (SR-4, SR-6), read-modify-write on documents
with If-Match (D-10, D-13), JSON merges (D-4), and paging while writers keep posting (SR-46).
"""

from __future__ import annotations

import asyncio
import itertools
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from typing import Any

import httpx
import orjson
import pytest

from tests.api.document_support import (
    ACTIVITY_PROFILE,
    AGENT_PROFILE,
    STATE,
    activity_profile_params,
    agent_json,
    agent_profile_params,
    state_params,
)
from tests.builders import agent, statement
from tests.server.served import running_lrs

KEY, SECRET = "conc-key", "conc-secret-value"
CLIENTS = 12


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    data = tmp_path_factory.mktemp("concurrency")
    with running_lrs(data, KEY, SECRET, LRS_WORKERS="2") as base:
        yield base


@pytest.fixture
async def client(base_url: str) -> AsyncIterator[httpx.AsyncClient]:
    limits = httpx.Limits(max_connections=CLIENTS * 2)
    async with httpx.AsyncClient(
        base_url=f"{base_url}/xapi",
        auth=(KEY, SECRET),
        headers={"X-Experience-API-Version": "2.0.0"},
        timeout=60,
        limits=limits,
    ) as http:
        yield http


async def _stored_ids(client: httpx.AsyncClient, params: dict[str, str]) -> list[str]:
    """Every statement id the query returns, following `more` to the end."""
    return [s["id"] for s in await _stored_statements(client, params)]


def _learner() -> tuple[dict[str, Any], dict[str, str]]:
    """A learner no other test uses, and the query that selects only their statements."""
    person = agent(f"learner-{uuid.uuid4().hex[:12]}")
    return person, {"agent": orjson.dumps(person).decode(), "limit": "7"}


async def test_identical_reposts_store_one_copy_sr4(client: httpx.AsyncClient) -> None:
    """SR-4: racing PUTs, single and batch POSTs of the same ids all succeed; one copy each."""
    person, query = _learner()
    originals = [statement(actor=person, verb=f"v{i}") for i in range(6)]
    ids = [s["id"] for s in originals]

    async def one_client(n: int) -> list[tuple[int, list[str] | None]]:
        outcomes: list[tuple[int, list[str] | None]] = []
        for i, stmt in enumerate(originals):
            kind = (n + i) % 3
            if kind == 0:
                put = await client.put("/statements", params={"statementId": stmt["id"]}, json=stmt)
                outcomes.append((put.status_code, None))
            elif kind == 1:
                post = await client.post("/statements", json=stmt)
                outcomes.append((post.status_code, post.json()))
            else:
                pair = [stmt, originals[(i + 1) % len(originals)]]
                post = await client.post("/statements", json=pair)
                outcomes.append((post.status_code, post.json()))
        return outcomes

    results = await asyncio.gather(*(one_client(n) for n in range(CLIENTS)))
    for status, body in itertools.chain.from_iterable(results):
        if body is None:
            assert status == 204
        else:
            assert status == 200, body
            assert set(body) <= set(ids)
    stored = await _stored_ids(client, query)
    assert sorted(stored) == sorted(ids)


async def test_conflicting_puts_one_wins_the_rest_409_sr4(client: httpx.AsyncClient) -> None:
    """SR-4: racing PUTs of one id, different content: one stored, equal ones 204, others 409."""
    person, query = _learner()
    statement_id = str(uuid.uuid4())
    variants = [statement(actor=person, verb=f"variant{n % 4}", id=statement_id) for n in range(16)]
    responses = await asyncio.gather(
        *(client.put("/statements", params={"statementId": statement_id}, json=v) for v in variants)
    )
    stored = await client.get("/statements", params={"statementId": statement_id})
    assert stored.status_code == 200
    winner = stored.json()["verb"]["id"]
    for variant, response in zip(variants, responses, strict=True):
        expected = 204 if variant["verb"]["id"] == winner else 409
        assert response.status_code == expected, response.text
        if expected == 409:
            assert response.json()["message"]
    assert await _stored_ids(client, query) == [statement_id]


async def test_conflicting_batches_are_all_or_nothing_sr4(client: httpx.AsyncClient) -> None:
    """SR-4: batches sharing two ids with different content: exactly one batch is stored whole."""
    person, query = _learner()
    first, second = str(uuid.uuid4()), str(uuid.uuid4())
    batches = [
        [
            statement(actor=person, verb=f"batch{n}", id=first),
            statement(actor=person, verb=f"batch{n}", id=second),
        ]
        for n in range(CLIENTS)
    ]
    responses = await asyncio.gather(*(client.post("/statements", json=b) for b in batches))
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] + [409] * (CLIENTS - 1)
    winner = next(n for n, r in enumerate(responses) if r.status_code == 200)
    for statement_id in (first, second):
        got = await client.get("/statements", params={"statementId": statement_id})
        assert got.json()["verb"]["id"] == f"http://example.org/verbs/batch{winner}"
    assert sorted(await _stored_ids(client, query)) == sorted([first, second])


DOCUMENTS = {
    "state": (STATE, state_params),
    "activity profile": (ACTIVITY_PROFILE, activity_profile_params),
    "agent profile": (AGENT_PROFILE, agent_profile_params),
}


def _document(kind: str) -> tuple[str, dict[str, str]]:
    path, make_params = DOCUMENTS[kind]
    params = make_params(agent=agent_json(f"doc-{uuid.uuid4().hex[:12]}"))
    if kind == "activity profile":
        params.pop("agent")
    return path.removeprefix("/xapi"), params


@pytest.mark.parametrize("kind", list(DOCUMENTS))
async def test_if_match_increments_lose_no_update_d10(client: httpx.AsyncClient, kind: str) -> None:
    """D-10, D-13: read-modify-write with If-Match, retried on 412, counts every increment."""
    path, params = _document(kind)
    created = await client.put(
        path, params=params, json={"count": 0}, headers={"If-None-Match": "*"}
    )
    assert created.status_code == 204
    increments = 4
    conflicts = 0

    async def increment() -> None:
        nonlocal conflicts
        while True:
            current = await client.get(path, params=params)
            assert current.status_code == 200
            body = {"count": current.json()["count"] + 1}
            put = await client.put(
                path, params=params, json=body, headers={"If-Match": current.headers["ETag"]}
            )
            if put.status_code == 204:
                return
            assert put.status_code == 412, put.text
            conflicts += 1

    async def one_client() -> None:
        for _ in range(increments):
            await increment()

    await asyncio.gather(*(one_client() for _ in range(CLIENTS)))
    final = await client.get(path, params=params)
    assert final.json() == {"count": CLIENTS * increments}
    assert conflicts > 0  # the clients did race; otherwise the test proved nothing


@pytest.mark.parametrize("kind", list(DOCUMENTS))
async def test_concurrent_merges_keep_every_key_d4(client: httpx.AsyncClient, kind: str) -> None:
    """D-4: racing POST merges of distinct keys (no preconditions) keep every key."""
    path, params = _document(kind)

    async def one_client(n: int) -> None:
        for i in range(5):
            merged = await client.post(path, params=params, json={f"c{n}-{i}": [n, i]})
            assert merged.status_code == 204, merged.text

    await asyncio.gather(*(one_client(n) for n in range(CLIENTS)))
    final = (await client.get(path, params=params)).json()
    assert final == {f"c{n}-{i}": [n, i] for n in range(CLIENTS) for i in range(5)}


@pytest.mark.parametrize("ascending", [False, True])
async def test_paging_during_ingest_skips_and_repeats_nothing_sr46(
    client: httpx.AsyncClient, ascending: bool
) -> None:
    """SR-46: while writers keep posting, following `more` returns each earlier id exactly once."""
    person, query = _learner()
    if ascending:
        query["ascending"] = "true"
    accepted: list[str] = []
    stop = asyncio.Event()
    warmed_up = asyncio.Event()

    async def writer() -> None:
        while not stop.is_set():
            batch = [statement(actor=person) for _ in range(3)]
            response = await client.post("/statements", json=batch)
            assert response.status_code == 200, response.text
            accepted.extend(response.json())
            if len(accepted) >= 60:
                warmed_up.set()

    writers = [asyncio.create_task(writer()) for _ in range(4)]
    try:
        await warmed_up.wait()
        before_read = set(accepted)
        seen: list[str] = []
        response = await client.get("/statements", params=query)
        consistent_through = _instant(response.headers["X-Experience-API-Consistent-Through"])
        pages = 0
        while True:
            assert response.status_code == 200, response.text
            result = response.json()
            seen.extend(s["id"] for s in result["statements"])
            pages += 1
            if not result["more"]:
                break
            response = await client.get(result["more"].removeprefix("/xapi"))
    finally:
        stop.set()
        await asyncio.gather(*writers)
    assert pages > 5
    assert len(seen) == len(set(seen)), "a statement appeared on two pages"
    assert before_read <= set(seen), "a statement stored before the read began was skipped"
    assert set(seen) <= set(accepted)
    everything = await _stored_statements(client, {"agent": query["agent"]})
    settled = {s["id"] for s in everything if _instant(s["stored"]) <= consistent_through}
    assert settled <= set(seen), "a statement stored before Consistent-Through was skipped"


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


async def _stored_statements(
    client: httpx.AsyncClient, params: dict[str, str]
) -> list[dict[str, Any]]:
    """Every statement the query returns, following `more` to the end."""
    found: list[dict[str, Any]] = []
    response = await client.get("/statements", params=params)
    while True:
        assert response.status_code == 200, response.text
        result = response.json()
        found.extend(result["statements"])
        if not result["more"]:
            return found
        response = await client.get(result["more"].removeprefix("/xapi"))

"""Property-based fuzzing of statement validation (V-1..V-47, V-46, T-2, T-22; issue 9).

Valid generated statements with one mutation each, posted alone, PUT, and inside batches of
valid statements: the LRS answers 400 (never 5xx, never hangs), with the version header, and
the store is unchanged afterwards: no statement of a rejected batch can be read back and the
newest page of statements is the same as before.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from hypothesis import given
from hypothesis import strategies as st

from service.api.error_answer import VERSION_HEADER
from tests.conftest import BASIC
from tests.reliability.fuzz_support import CASES, REQUEST_TIMEOUT, fuzz_app, fuzz_settings
from tests.reliability.statement_strategies import (
    VOIDED,
    Statement,
    encode,
    invalid_statements,
    valid_statements,
)

VERSIONS = st.sampled_from(["1.0.3", "2.0.0"])
JSON = {"Content-Type": "application/json"}


@pytest.fixture
async def lrs(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the real app on its own SQLite file, seeded with a few statements."""
    app: FastAPI = fuzz_app(tmp_path)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        headers = {"Authorization": BASIC}
        async with httpx.AsyncClient(
            transport=transport, base_url="http://lrs.test", headers=headers
        ) as client:
            seed = [
                {
                    "actor": {"mbox": "mailto:seed@example.org"},
                    "verb": {"id": "http://e.org/v"},
                    "object": {"id": f"http://e.org/seed/{n}"},
                }
                for n in range(3)
            ]
            answer = await client.post(
                "/xapi/statements", json=seed, headers={VERSION_HEADER: "2.0.0"}
            )
            assert answer.status_code == 200, answer.text
            yield client


async def _send(
    client: httpx.AsyncClient, method: str, url: str, body: bytes, version: str
) -> httpx.Response:
    """One request; one that does not answer within REQUEST_TIMEOUT fails the test as a hang."""
    CASES["statements"] += 1
    request = client.request(method, url, content=body, headers={**JSON, VERSION_HEADER: version})
    try:
        return await asyncio.wait_for(request, REQUEST_TIMEOUT)
    except TimeoutError:
        pytest.fail(f"{method} {url} did not answer within {REQUEST_TIMEOUT} s: {body[:200]!r}")


async def _newest_ids(client: httpx.AsyncClient) -> list[str]:
    answer = await client.get(
        "/xapi/statements",
        params={"limit": "20", "format": "ids"},
        headers={VERSION_HEADER: "2.0.0"},
    )
    assert answer.status_code == 200, answer.text
    return [s["id"] for s in answer.json()["statements"]]


async def _absent(client: httpx.AsyncClient, statement_ids: list[str]) -> None:
    for statement_id in statement_ids:
        answer = await client.get(
            "/xapi/statements",
            params={"statementId": statement_id},
            headers={VERSION_HEADER: "2.0.0"},
        )
        assert answer.status_code == 404, f"{statement_id} of a rejected request was stored"


def _assert_rejected(answer: httpx.Response, what: str) -> None:
    assert answer.status_code == 400, f"{what}: {answer.status_code} {answer.text[:300]}"
    assert answer.headers.get(VERSION_HEADER) in ("1.0.3", "2.0.0"), what


def _ids(statements: list[Statement]) -> list[str]:
    return [s["id"] for s in statements if isinstance(s.get("id"), str)]


def _fresh(statement: Statement) -> Statement:
    """The statement under a new random id: stored ids must not repeat across examples."""
    return {**statement, "id": str(uuid.uuid4())}


@fuzz_settings(scale=0.5)
@given(data=st.data())
async def test_generated_statements_are_accepted(
    lrs: httpx.AsyncClient, data: st.DataObject
) -> None:
    """The generator's base statements are valid, so each mutation below is the only fault."""
    batch = [_fresh(s) for s in data.draw(st.lists(valid_statements(), min_size=1, max_size=3))]
    version = data.draw(VERSIONS)
    answer = await _send(lrs, "POST", "/xapi/statements", encode(batch), version)
    assert answer.status_code == 200, answer.text
    assert answer.json() == _ids(batch)


@fuzz_settings(scale=12)
@given(case=invalid_statements(), version=VERSIONS, data=st.data())
async def test_invalid_statement_is_rejected_and_changes_nothing(
    lrs: httpx.AsyncClient, case: tuple[str, Statement, Any], version: str, data: st.DataObject
) -> None:
    """V-46, T-22: alone, by PUT, or among valid statements, a bad statement is a 400."""
    name, original, mutated = case
    siblings = data.draw(st.lists(valid_statements(), max_size=3))
    position = data.draw(st.integers(0, len(siblings)))
    how = data.draw(st.sampled_from(["single", "batch", "put"]))
    before = await _newest_ids(lrs)
    if how == "single":
        answer = await _send(lrs, "POST", "/xapi/statements", encode(mutated), version)
    elif how == "put":
        url = f"/xapi/statements?statementId={original['id']}"
        answer = await _send(lrs, "PUT", url, encode(mutated), version)
    else:
        parts = [encode(s) for s in siblings]
        parts.insert(position, encode(mutated))
        body = b"[" + b",".join(parts) + b"]"
        answer = await _send(lrs, "POST", "/xapi/statements", body, version)
    _assert_rejected(answer, f"{name} ({how})")
    assert await _newest_ids(lrs) == before, f"{name} ({how}) changed the store"
    await _absent(lrs, [original["id"], *_ids(siblings)])


@fuzz_settings(scale=0.5)
@given(batch=st.lists(valid_statements(), min_size=1, max_size=4), version=VERSIONS, data=st.data())
async def test_batch_with_duplicate_ids_is_rejected(
    lrs: httpx.AsyncClient, batch: list[Statement], version: str, data: st.DataObject
) -> None:
    """V-47: two statements with one id in a batch: 400 and nothing stored."""
    twin = {**data.draw(valid_statements()), "id": data.draw(st.sampled_from(batch))["id"]}
    batch.insert(data.draw(st.integers(0, len(batch))), twin)
    before = await _newest_ids(lrs)
    answer = await _send(lrs, "POST", "/xapi/statements", encode(batch), version)
    _assert_rejected(answer, "duplicate ids")
    assert await _newest_ids(lrs) == before
    await _absent(lrs, _ids(batch))


@fuzz_settings(scale=0.5)
@given(target=valid_statements(), version=VERSIONS, data=st.data())
async def test_voiding_a_voiding_statement_never_voids_it(
    lrs: httpx.AsyncClient, target: Statement, version: str, data: st.DataObject
) -> None:
    """SR-22: accepted or 400, never 5xx, and the targeted voiding statement stays readable."""
    target = _fresh(target)
    first = {**_fresh(data.draw(valid_statements())), "verb": {"id": VOIDED}}
    first["object"] = {"objectType": "StatementRef", "id": target["id"]}
    second = {**_fresh(data.draw(valid_statements())), "verb": {"id": VOIDED}}
    second["object"] = {"objectType": "StatementRef", "id": first["id"]}
    batch = [target, first, second] if data.draw(st.booleans()) else [target, first]
    answer = await _send(lrs, "POST", "/xapi/statements", encode(batch), version)
    assert answer.status_code == 200, answer.text
    if len(batch) == 2:
        answer = await _send(lrs, "POST", "/xapi/statements", encode(second), version)
        assert answer.status_code in (200, 400), answer.text
        assert VERSION_HEADER in answer.headers
    read = await lrs.get(
        "/xapi/statements", params={"statementId": first["id"]}, headers={VERSION_HEADER: version}
    )
    assert read.status_code == 200, read.text

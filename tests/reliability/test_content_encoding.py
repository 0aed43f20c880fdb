"""Compressed request bodies: gzip and deflate are decoded, bounded; other codings get 415.

They used to reach the JSON parser still compressed and got a misleading 400 "not valid
UTF-8" (issue 14). A decompression bomb is refused with 413 after at most the body limit of
decoded bytes.
"""

from __future__ import annotations

import gzip
import tracemalloc
import zlib
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import orjson
import pytest
from fastapi import FastAPI

from service.app import create_app
from tests.builders import statement
from tests.conftest import client_for, make_settings

LIMIT = 1024 * 1024
STATEMENTS = "/xapi/statements"
GZIP = {"Content-Encoding": "gzip", "Content-Type": "application/json"}


@pytest.fixture
async def small_app(tmp_path: Path) -> AsyncIterator[FastAPI]:
    app = create_app(make_settings(tmp_path, max_body_bytes=LIMIT))
    async with app.router.lifespan_context(app):
        yield app


@pytest.fixture
async def api(small_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(small_app, "2.0.0") as c:
        yield c


async def test_gzip_statements_are_stored_decoded(api: httpx.AsyncClient) -> None:
    batch = [statement() for _ in range(20)]
    answer = await api.post(STATEMENTS, content=gzip.compress(orjson.dumps(batch)), headers=GZIP)
    assert answer.status_code == 200, answer.text
    assert answer.json() == [s["id"] for s in batch]
    stored = await api.get(STATEMENTS, params={"statementId": batch[3]["id"]})
    assert stored.json()["actor"] == batch[3]["actor"]


async def test_deflate_documents_are_stored_decoded(api: httpx.AsyncClient) -> None:
    params = {
        "activityId": "http://example.org/act/z",
        "agent": '{"mbox":"mailto:z@example.org"}',
        "stateId": "s",
    }
    body = orjson.dumps({"progress": 0.5})
    put = await api.put(
        "/xapi/activities/state",
        params=params,
        content=zlib.compress(body),
        headers={"Content-Encoding": "deflate", "Content-Type": "application/json"},
    )
    assert put.status_code == 204, put.text
    got = await api.get("/xapi/activities/state", params=params)
    assert got.json() == {"progress": 0.5}


async def test_gzip_admin_bodies_are_decoded(api: httpx.AsyncClient) -> None:
    body = gzip.compress(orjson.dumps({"name": "zipped", "scopes": ["statements/read"]}))
    created = await api.post("/admin/credentials", content=body, headers=GZIP)
    assert created.status_code == 201, created.text


async def test_other_codings_get_415_and_store_nothing(api: httpx.AsyncClient) -> None:
    one = statement()
    for coding in ("br", "zstd", "gzip, br", "compress"):
        answer = await api.post(
            STATEMENTS,
            content=orjson.dumps(one),
            headers={"Content-Encoding": coding, "Content-Type": "application/json"},
        )
        assert answer.status_code == 415, (coding, answer.text)
        assert "Content-Encoding" in answer.json()["message"]
        assert answer.headers["X-Experience-API-Version"] == "2.0.0"
    assert (await api.get(STATEMENTS)).json()["statements"] == []


async def test_corrupt_or_truncated_gzip_is_a_400(api: httpx.AsyncClient) -> None:
    packed = gzip.compress(orjson.dumps(statement()))
    corrupt = packed[:10] + b"\xff" * 20 + packed[30:]
    for body, words in ((corrupt, "corrupt"), (packed[:-12], "truncated")):
        answer = await api.post(STATEMENTS, content=body, headers=GZIP)
        assert answer.status_code == 400, answer.text
        assert words in answer.json()["message"]
    assert (await api.get(STATEMENTS)).json()["statements"] == []


async def test_a_gzip_bomb_is_refused_with_bounded_memory(api: httpx.AsyncClient) -> None:
    """64 MiB of decoded JSON whitespace in a ~64 KiB body: 413 after LIMIT decoded bytes."""
    bomb = gzip.compress(b"[" + b" " * (64 * 1024 * 1024) + b"]", compresslevel=9)
    assert len(bomb) < LIMIT  # the wire length passes every check
    tracemalloc.start()
    try:
        answer = await api.post(STATEMENTS, content=bomb, headers=GZIP)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert answer.status_code == 413, answer.text
    assert peak < 8 * LIMIT + len(bomb) * 4  # generous; decoding it all would take 64 MiB

"""Liveness, readiness and version endpoints, also while the store fails (issue 7)."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from fastapi import FastAPI

from service.app import create_app
from service.ops.health import depth_check
from service.runtime import Runtime
from service.store.sqlite import SQLiteStore
from tests.conftest import make_settings
from tests.ops.support import plain_client


@pytest.fixture
async def ops_app(tmp_path: Path) -> AsyncIterator[FastAPI]:
    settings = make_settings(tmp_path, writer_stall_seconds=0.2, ready_timeout=0.3, read_threads=1)
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application


def _store(app: FastAPI) -> SQLiteStore:
    runtime: Runtime = app.state.runtime
    assert isinstance(runtime.store, SQLiteStore)
    return runtime.store


async def test_liveness_and_readiness_answer_without_headers(ops_app: FastAPI) -> None:
    async with plain_client(ops_app) as client:
        alive = await client.get("/healthz")
        ready = await client.get("/readyz")
        version = await client.get("/version")
        heads = [await client.head(path) for path in ("/healthz", "/readyz", "/version")]
    assert alive.status_code == 200
    assert alive.json() == {"status": "ok"}
    assert ready.status_code == 200
    assert ready.json()["status"] == "ready"
    assert all(check == {"ok": True} for check in ready.json()["checks"].values())
    assert {"store", "writer"} <= set(ready.json()["checks"])
    assert version.json() == {"version": "0.1.0", "store": "sqlite"}
    assert [(h.status_code, h.content) for h in heads] == [(200, b"")] * 3


async def test_readiness_fails_when_the_writer_has_stopped(ops_app: FastAPI) -> None:
    writer = _store(ops_app).database.writer
    assert writer is not None
    await asyncio.to_thread(writer.stop)
    async with plain_client(ops_app) as client:
        ready = await client.get("/readyz")
        head = await client.head("/readyz")
        alive = await client.get("/healthz")
    assert ready.status_code == 503
    assert head.status_code == 503
    body = ready.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["writer"] == {"ok": False, "problem": "the writer is not running"}
    assert body["checks"]["store"] == {"ok": True}
    assert alive.status_code == 200  # liveness does no I/O: restarting would not help here


async def test_readiness_fails_while_a_write_transaction_is_stuck(ops_app: FastAPI) -> None:
    store = _store(ops_app)
    release = threading.Event()

    def stuck(conn: sqlite3.Connection) -> None:
        release.wait(10)

    pending = asyncio.ensure_future(store.database.write(stuck))
    try:
        await asyncio.sleep(0.4)  # longer than writer_stall_seconds
        async with plain_client(ops_app) as client:
            ready = await client.get("/readyz")
        assert ready.status_code == 503
        problem = ready.json()["checks"]["writer"]["problem"]
        assert problem.startswith("a write transaction has been running for")
    finally:
        release.set()
        await pending
    async with plain_client(ops_app) as client:
        assert (await client.get("/readyz")).status_code == 200


async def test_readiness_fails_when_the_store_does_not_answer(ops_app: FastAPI) -> None:
    store = _store(ops_app)
    release = threading.Event()
    blocked = asyncio.ensure_future(
        store.database.read(lambda conn: release.wait(10))
    )  # the one reader
    try:
        async with plain_client(ops_app) as client:
            ready = await client.get("/readyz")
        assert ready.status_code == 503
        assert ready.json()["checks"]["store"] == {"ok": False, "problem": "no answer within 0.3 s"}
    finally:
        release.set()
        await blocked


async def test_added_checks_are_reported_by_name(ops_app: FastAPI) -> None:
    """The hook issue 5's outbox uses: a depth over the alarm size makes the service unready."""
    runtime: Runtime = ops_app.state.runtime
    depth = 5

    async def outbox_depth() -> int:
        return depth

    runtime.readiness_checks["outbox"] = depth_check(
        outbox_depth, alarm=10, record=runtime.metrics.outbox_depth.set
    )
    async with plain_client(ops_app) as client:
        assert (await client.get("/readyz")).json()["checks"]["outbox"] == {"ok": True}
        depth = 12
        ready = await client.get("/readyz")
        recorded = runtime.metrics.registry.get_sample_value("lrs_outbox_depth")
    assert ready.status_code == 503
    assert ready.json()["checks"]["outbox"]["problem"] == "outbox holds 12 items (alarm at 10)"
    assert recorded == 12


async def test_shutdown_hooks_run_before_the_store_closes(tmp_path: Path) -> None:
    application = create_app(make_settings(tmp_path))
    runtime: Runtime = application.state.runtime
    seen: list[str] = []

    async def flush() -> None:
        await runtime.store.accounts.count_credentials()  # the store is still open here
        seen.append("flushed")

    async def broken() -> None:
        raise RuntimeError("boom")

    runtime.shutdown_hooks.extend([broken, flush])
    async with application.router.lifespan_context(application):
        pass
    assert seen == ["flushed"]  # a failing hook does not stop the others

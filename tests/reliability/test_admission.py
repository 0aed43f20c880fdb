"""Admission control in process: the budgets, and the 503 a full service answers (issue 9)."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial
from pathlib import Path

import httpx
import orjson
from fastapi import FastAPI

from service.app import create_app
from service.model.errors import ServiceUnavailableError
from service.ops.admission import (
    BODY_BYTES,
    CREDENTIAL_SHARE,
    REQUESTS,
    WORK_BYTES,
    WRITES,
    Admission,
    Limits,
    Ticket,
)
from service.settings import Settings
from service.store.sqlite.schema import connect
from service.store.sqlite.write_lock import WriteLock
from service.store.sqlite.writer import GroupCommitWriter
from tests.builders import statement
from tests.conftest import client_for, make_settings

READ = Ticket(write=False, body_bytes=0)
WRITE = Ticket(write=True, body_bytes=100)


def test_requests_beyond_the_limit_are_refused_until_one_leaves() -> None:
    admission = Admission(Limits(requests=2, writes=2, body_bytes=1000))
    assert admission.try_enter(READ) is None
    assert admission.try_enter(WRITE) is None
    assert admission.try_enter(READ) == REQUESTS
    admission.leave(READ)
    assert admission.try_enter(READ) is None
    assert (admission.requests, admission.writes, admission.body_bytes) == (2, 1, 100)


def test_writes_have_their_own_budget_and_reads_still_fit() -> None:
    admission = Admission(Limits(requests=10, writes=1, body_bytes=1000))
    assert admission.try_enter(WRITE) is None
    assert admission.try_enter(WRITE) == WRITES
    assert admission.try_enter(READ) is None
    admission.leave(WRITE)
    assert admission.try_enter(WRITE) is None


def test_body_bytes_budget_always_takes_one_request() -> None:
    admission = Admission(Limits(requests=10, writes=10, body_bytes=200))
    huge = Ticket(write=True, body_bytes=10_000)
    assert admission.try_enter(huge) is None  # alone it fits, whatever its size
    assert admission.try_enter(WRITE) == BODY_BYTES
    assert admission.try_enter(READ) is None  # bodiless requests are not held back by bytes
    admission.leave(huge)
    assert admission.try_enter(WRITE) is None
    assert admission.try_enter(WRITE) is None
    assert admission.try_enter(WRITE) == BODY_BYTES


def test_work_budget_counts_parsed_cost_and_settles_to_the_estimate() -> None:
    admission = Admission(Limits(requests=10, writes=10, body_bytes=10**9, work_bytes=1000))
    first = Ticket(write=True, body_bytes=10, work_bytes=600, key="a")
    second = Ticket(write=True, body_bytes=10, work_bytes=600, key="b")
    assert admission.try_enter(first) is None
    assert admission.try_enter(second) == WORK_BYTES
    settled = admission.settle(first, 300)  # the text was cheaper than guessed: room again
    assert settled is not None
    assert admission.try_enter(second) is None
    assert admission.settle(settled, 900) is None  # denser than guessed and no room: refused
    assert admission.work_bytes == 900
    admission.leave(settled)
    admission.leave(second)
    assert admission.work_bytes == 0


def test_one_credential_holds_at_most_half_of_writes_and_work() -> None:
    admission = Admission(Limits(requests=10, writes=4, body_bytes=10**9, work_bytes=1000))
    mine = Ticket(write=True, body_bytes=1, work_bytes=10, key="a")
    assert admission.try_enter(mine) is None
    assert admission.try_enter(mine) is None
    assert admission.try_enter(mine) == CREDENTIAL_SHARE
    assert admission.try_enter(Ticket(write=True, body_bytes=1, key="b")) is None
    big = Ticket(write=False, body_bytes=1, work_bytes=900, key="c")
    assert admission.try_enter(big) is None  # a credential holding nothing: one always fits
    more = Ticket(write=False, body_bytes=1, work_bytes=10, key="c")
    assert admission.try_enter(more) == CREDENTIAL_SHARE  # the budget has room, its half not


async def test_a_waiting_request_gets_the_room_another_leaves() -> None:
    admission = Admission(Limits(requests=1, writes=1, body_bytes=1000, wait_seconds=30))
    assert admission.try_enter(READ) is None
    waiting = asyncio.create_task(admission.enter(READ))
    await asyncio.sleep(0)
    assert not waiting.done()
    admission.leave(READ)
    assert await waiting is None
    assert admission.requests == 1


async def test_waiting_is_bounded_by_the_wait_and_by_the_number_of_waiters() -> None:
    admission = Admission(Limits(requests=1, writes=1, body_bytes=1000, wait_seconds=0.05))
    assert admission.try_enter(READ) is None
    assert await admission.enter(READ) == REQUESTS  # nobody left within the wait
    slow = Admission(Limits(requests=1, writes=1, body_bytes=1000, wait_seconds=30))
    assert slow.try_enter(READ) is None
    first = asyncio.create_task(slow.enter(READ))
    await asyncio.sleep(0)
    assert await slow.enter(READ) == REQUESTS  # the one waiter place is taken: refused at once
    slow.leave(READ)
    assert await first is None


async def _held_body(
    admitted: asyncio.Event, release: asyncio.Event, body: bytes
) -> AsyncIterator[bytes]:
    """A body the handler asks for once admitted, sent only when `release` is set."""
    admitted.set()
    await release.wait()
    yield body


@asynccontextmanager
async def _one_slot_held(
    settings: Settings, version: str
) -> AsyncIterator[tuple[httpx.AsyncClient, asyncio.Event, asyncio.Task[httpx.Response]]]:
    """A started app whose only request slot a POST holds until `release` is set: the client,
    that event and the held request."""
    app: FastAPI = create_app(settings)
    async with app.router.lifespan_context(app):
        client = client_for(app, version)
        admitted, release = asyncio.Event(), asyncio.Event()
        held = asyncio.create_task(
            client.post(
                "/xapi/statements",
                content=_held_body(admitted, release, orjson.dumps(statement())),
                headers={"Content-Type": "application/json"},
            )
        )
        await admitted.wait()
        try:
            yield client, release, held
        finally:
            await client.aclose()


async def test_a_full_service_answers_503_with_retry_after_and_recovers(tmp_path: Path) -> None:
    """One admitted POST holds the only slot: others get 503 at once, operations still answer
    (T-2 version header on the refusal), and the service serves again when it leaves."""
    settings = make_settings(tmp_path, max_inflight_requests=1)
    async with _one_slot_held(settings, "1.0.3") as (client, release, held):
        refused = await client.post("/xapi/statements", json=statement())
        assert refused.status_code == 503
        assert refused.headers["Retry-After"] == "1"
        assert refused.headers["X-Experience-API-Version"] == "1.0.3"
        assert refused.json() == {
            "error": True,
            "status": 503,
            "message": "the service is at capacity; retry later",
        }
        assert (await client.get("/healthz")).status_code == 200
        assert (await client.get("/readyz")).status_code == 200
        metrics = (await client.get("/metrics")).text
        assert 'lrs_http_requests_shed_total{limit="requests"} 1.0' in metrics
        release.set()
        assert (await held).status_code == 200
        again = await client.post("/xapi/statements", json=statement())
        assert again.status_code == 200


async def test_outside_the_xapi_path_the_refusal_has_the_default_version(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, max_inflight_requests=1)
    async with _one_slot_held(settings, "2.0.0") as (client, release, held):
        refused = await client.get("/admin/tenants", headers={"X-Experience-API-Version": ""})
        assert refused.status_code == 503
        assert refused.headers["X-Experience-API-Version"] == settings.default_xapi_version
        assert refused.headers["Retry-After"] == "1"
        release.set()
        assert (await held).status_code == 200


async def test_the_writer_queue_refuses_beyond_its_bound(tmp_path: Path) -> None:
    """With the writer stuck behind another holder of the write lock, at most `max_pending`
    jobs queue; the next submit is refused with 503 at once, and every queued job still
    commits once the writer can go on."""
    path = tmp_path / "queue.sqlite3"
    conn = connect(path, readonly=False)
    conn.execute("CREATE TABLE rows (n INTEGER)")
    blocker = WriteLock(path)
    blocker.acquire(1)
    writer = GroupCommitWriter(
        conn,
        max_jobs=512,
        on_rollback=lambda: None,
        lock=WriteLock(path),
        on_begin=lambda conn: None,
        max_pending=2,
    )
    writer.start()
    accepted: list[asyncio.Task[None]] = []
    refusal: ServiceUnavailableError | None = None
    for n in range(50):
        task = asyncio.create_task(writer.submit(partial(_insert, n)))
        await asyncio.sleep(0.01)
        error = task.exception() if task.done() else None
        if isinstance(error, ServiceUnavailableError):
            refusal = error
            break
        accepted.append(task)
    assert refusal is not None
    assert (refusal.status, refusal.retry_after, refusal.limit) == (503, 1, "write_queue")
    blocker.release()
    await asyncio.gather(*accepted)
    await asyncio.to_thread(writer.stop)
    check = sqlite3.connect(path)
    stored = check.execute("SELECT count(*) FROM rows").fetchone()[0]
    check.close()
    blocker.close()
    assert stored == len(accepted)


def _insert(n: int, conn: sqlite3.Connection) -> None:
    conn.execute("INSERT INTO rows VALUES (?)", (n,))

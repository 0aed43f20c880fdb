"""The SQLite statement writer process (`LRS_STATEMENT_WRITER=process`, the default of `serve`
on two cores or more):
what the server sees when its child answers, dies or is stopped. The statement contracts run
against it too (the `sqlite-writer-process` adapter of tests/store/conftest.py)."""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import psutil
import pytest

from service.model.statements import StatementQuery, StatementWrite
from service.store.sqlite import SQLiteStore
from tests.builders import statement
from tests.server.served import served_process
from tests.store.statement_support import prep

TENANT = "t1"


class CountingObserver:
    """A write observer that counts what it is told (as the metrics do)."""

    def __init__(self) -> None:
        self.committed = 0
        self.jobs = 0

    def transaction_committed(self, jobs: int, seconds: float) -> None:
        self.committed += 1
        self.jobs += jobs

    def transaction_failed(self, jobs: int) -> None:
        raise AssertionError("no transaction should fail here")


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SQLiteStore]:
    opened = SQLiteStore(tmp_path / "p.sqlite3", statement_writer_process=True)
    opened.write_observer = CountingObserver()
    await opened.open()
    try:
        yield opened
    finally:
        await opened.close()


def writer_child() -> psutil.Process:
    (child,) = [
        p for p in psutil.Process().children() if "statement_writer_main" in " ".join(p.cmdline())
    ]
    return child


def write(*statements: dict[str, object]) -> StatementWrite:
    return StatementWrite(TENANT, [prep(s) for s in statements], [])


async def test_sr10_the_child_stores_and_the_server_sees_seq_and_stored(store: SQLiteStore) -> None:
    """SR-10/SR-11: ids come back in order; each new statement has its seq and its `stored`
    (what the outcome engine's hand-off reads), an equivalent re-post none (SR-4)."""
    sent = write(statement(), statement())
    ids = await store.statements.store_statements(sent)
    assert ids == [new.id for new in sent.statements]
    assert all(new.seq is not None for new in sent.statements)
    assert all(new.stored == new.statement["stored"] for new in sent.statements)
    assert {new.statement["stored"] for new in sent.statements} == {
        sent.statements[0].statement["timestamp"]
    }
    again = write(sent.statements[0].statement)
    assert await store.statements.store_statements(again) == [ids[0]]
    assert again.statements[0].seq is None
    observer = store.write_observer
    assert isinstance(observer, CountingObserver)
    assert observer.jobs >= 2  # the child's transactions reach the server's metrics


async def test_sr10_writes_after_the_child_died_go_to_the_writer_thread(
    store: SQLiteStore,
) -> None:
    """A writer process that dies fails only what it had not answered; later statement
    writes are stored by the server's own writer thread."""
    await store.statements.store_statements(write(statement()))
    child = writer_child()
    os.kill(child.pid, signal.SIGKILL)
    child.wait(10)
    for _ in range(100):
        if not store.statements.process or not store.statements.process.alive:
            break
        await asyncio.sleep(0.05)
    after = write(statement())
    await store.statements.store_statements(after)
    page = await store.statements.query_statements(TENANT, StatementQuery(limit=10))
    assert len(page.bodies) == 2
    assert after.statements[0].seq is not None


async def test_a_closed_store_stops_its_child_after_its_writes(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "c.sqlite3", statement_writer_process=True)
    await store.open()
    child = writer_child()
    writes = [store.statements.store_statements(write(statement())) for _ in range(50)]
    stored = await asyncio.gather(*writes)
    await store.close()
    assert not child.is_running()  # close waited for it
    reopened = SQLiteStore(tmp_path / "c.sqlite3")
    await reopened.open()
    try:
        page = await reopened.statements.query_statements(TENANT, StatementQuery(limit=100))
    finally:
        await reopened.close()
    assert len(page.bodies) == len(stored) == 50


def test_sr10_a_served_lrs_writes_statements_in_its_child_which_ends_with_it(
    tmp_path: Path,
) -> None:
    """On two cores `serve` writes statements in a writer process; a server killed outright
    leaves no writer behind (the child ends when its pipe closes), and what was acknowledged
    stays."""
    if len(os.sched_getaffinity(0)) < 2:
        pytest.skip("serve keeps the writer thread on one core")
    with served_process(tmp_path, "k", "s") as (base, process):
        (child,) = [
            p
            for p in psutil.Process(process.pid).children(recursive=True)
            if "statement_writer_main" in " ".join(p.cmdline())
        ]
        auth = httpx.BasicAuth("k", "s")
        headers = {"X-Experience-API-Version": "2.0.0"}
        posted = httpx.post(
            f"{base}/xapi/statements", json=[statement(), statement()], auth=auth, headers=headers
        )
        assert posted.status_code == 200
        process.kill()
        process.wait(10)
        child.wait(10)  # raises if the writer outlived its server
        assert not child.is_running()
    with served_process(tmp_path, "k", "s") as (base, _):
        page = httpx.get(f"{base}/xapi/statements", auth=auth, headers=headers).json()
    assert {s["id"] for s in page["statements"]} == set(posted.json())

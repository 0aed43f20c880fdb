"""The single SQLite writer thread with group commit.

Concurrent requests submit jobs; the thread runs every queued job in one transaction, each in
its own savepoint (a failing job rolls back alone), commits once, and only then answers the
jobs: an acknowledgement always follows a durable commit. Jobs submitted with `durable=False`
(derived state that can be recomputed) skip the fsync when no durable job shares their
transaction; the WAL keeps commits in order, so the next durable commit covers them too.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from service.errors import LRSError, StoreError

T = TypeVar("T")
Job = Callable[[sqlite3.Connection], Any]

log = logging.getLogger("service.store.sqlite")


@dataclass(slots=True)
class _Submission:
    job: Job
    future: asyncio.Future[Any]
    loop: asyncio.AbstractEventLoop
    durable: bool


_STOP = object()


class GroupCommitWriter:
    """Owns the one writing connection; see the module docstring."""

    def __init__(
        self, conn: sqlite3.Connection, *, max_jobs: int, on_rollback: Callable[[], None]
    ) -> None:
        self._conn = conn
        self._max_jobs = max_jobs
        self._on_rollback = on_rollback
        self._queue: queue.SimpleQueue[_Submission | object] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="sqlite-writer", daemon=True)
        self.transaction_started_ms: int | None = None
        self.last_commit_jobs = 0
        self._synchronous = int(conn.execute("PRAGMA synchronous").fetchone()[0])

    def start(self) -> None:
        self._thread.start()

    async def submit(self, job: Callable[[sqlite3.Connection], T], *, durable: bool = True) -> T:
        """Run `job` inside the next group transaction; return once that transaction commits
        (durably unless `durable` is False)."""
        if not self._thread.is_alive():
            raise StoreError("the store is closed")
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        self._queue.put(_Submission(job, future, loop, durable))
        return await future

    def stop(self) -> None:
        """Finish every queued job, then stop the thread."""
        self._queue.put(_STOP)
        self._thread.join()

    def _run(self) -> None:
        stopping = False
        while not stopping:
            item = self._queue.get()
            if item is _STOP:
                break
            batch: list[_Submission] = [item]  # type: ignore[list-item]
            while len(batch) < self._max_jobs:
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                if more is _STOP:
                    stopping = True
                    break
                batch.append(more)  # type: ignore[arg-type]
            self._run_batch(batch)

    def _run_batch(self, batch: list[_Submission]) -> None:
        results: list[tuple[bool, Any]] = []
        conn = self._conn
        lazy = not any(submission.durable for submission in batch)
        try:
            if lazy:
                conn.execute("PRAGMA synchronous = NORMAL")
            self.transaction_started_ms = time.time_ns() // 1_000_000
            conn.execute("BEGIN IMMEDIATE")
            for submission in batch:
                conn.execute("SAVEPOINT job")
                try:
                    results.append((True, submission.job(conn)))
                    conn.execute("RELEASE job")
                except Exception as exc:
                    conn.execute("ROLLBACK TO job")
                    conn.execute("RELEASE job")
                    self._on_rollback()
                    results.append((False, _client_safe(exc)))
            conn.execute("COMMIT")
            self.last_commit_jobs = len(batch)
        except sqlite3.Error as exc:
            log.exception("sqlite group commit failed")
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            self._on_rollback()
            failure = StoreError(f"the store could not commit: {exc}")
            results = [(False, failure)] * len(batch)
        finally:
            self.transaction_started_ms = None
            if lazy:
                conn.execute(f"PRAGMA synchronous = {self._synchronous}")
        for submission, (ok, value) in zip(batch, results, strict=True):
            submission.loop.call_soon_threadsafe(_resolve, submission.future, ok, value)


def _client_safe(exc: Exception) -> Exception:
    if isinstance(exc, LRSError):
        return exc
    log.error("sqlite write job failed", exc_info=exc)
    return StoreError("the store could not complete the write")


def _resolve(future: asyncio.Future[Any], ok: bool, value: Any) -> None:
    if future.cancelled():
        return
    if ok:
        future.set_result(value)
    else:
        future.set_exception(value)

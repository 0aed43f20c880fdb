"""The single SQLite writer thread with group commit.

Concurrent requests submit jobs; the thread runs every queued job in one transaction, each in
its own savepoint (a failing job rolls back alone), commits once, and only then answers the
jobs: an acknowledgement always follows a durable commit. Transactions hold the cross-process
`WriteLock`, so several worker processes can serve one file.

Jobs with equal `merge_key` that arrive together run as one: the first one's
`run_together(conn, jobs)` returns a (ok, result) per job, doing the work of all of them in a
few set-based statements (each job still all-or-nothing). Should it raise, they run one by one.

Jobs submitted with `durable=False` (derived state that can be recomputed) skip the fsync when
no durable job shares their transaction; the WAL keeps commits in order, so the next durable
commit covers them too.

The queue is bounded: with `max_pending` jobs waiting, `submit` refuses at once with 503 and
Retry-After instead of queueing without limit (issue 9).
"""

from __future__ import annotations

import asyncio
import logging
import queue
import sqlite3
import threading
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, TypeVar

from service.model.errors import OVERLOAD_RETRY_AFTER, LRSError, ServiceUnavailableError, StoreError
from service.store.observer import WriteObserver
from service.store.sqlite.write_lock import WriteLock

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
        self,
        conn: sqlite3.Connection,
        *,
        max_jobs: int,
        on_rollback: Callable[[], None],
        lock: WriteLock,
        on_begin: Callable[[sqlite3.Connection], None],
        observer: WriteObserver | None = None,
        max_pending: int | None = None,
    ) -> None:
        self._conn = conn
        self._max_pending = max_pending
        self._observer = observer
        self._max_jobs = max_jobs
        self._on_rollback = on_rollback
        self._lock = lock
        self._on_begin = on_begin
        self._queue: queue.SimpleQueue[_Submission | object] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="sqlite-writer", daemon=True)
        self.transaction_started_ms: int | None = None
        self.last_commit_jobs = 0
        self._synchronous = int(conn.execute("PRAGMA synchronous").fetchone()[0])

    def start(self) -> None:
        self._thread.start()

    @property
    def alive(self) -> bool:
        """Whether the writer thread runs (it ends only on stop or an unexpected crash)."""
        return self._thread.is_alive()

    async def submit(self, job: Callable[[sqlite3.Connection], T], *, durable: bool = True) -> T:
        """Run `job` inside the next group transaction; return once that transaction commits
        (durably unless `durable` is False)."""
        if not self._thread.is_alive():
            raise StoreError("the store is closed")
        if self._max_pending is not None and self._queue.qsize() >= self._max_pending:
            raise write_queue_full()
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        self._queue.put(_Submission(job, future, loop, durable))
        return await future

    def stop(self) -> None:
        """Finish every queued job, then stop the thread and close the connection."""
        if self._thread.ident is not None:  # started (a process may only call run_group)
            self._queue.put(_STOP)
            self._thread.join()
        self._conn.close()  # the last connection to close checkpoints the WAL

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
        durable = any(submission.durable for submission in batch)
        results = self.run_group([submission.job for submission in batch], durable=durable)
        for submission, (ok, value) in zip(batch, results, strict=True):
            submission.loop.call_soon_threadsafe(_resolve, submission.future, ok, value)

    def run_group(self, jobs: list[Job], *, durable: bool = True) -> list[tuple[bool, Any]]:
        """Run `jobs` in one transaction in the calling thread: the writer thread, or the only
        thread of a process that writes (see statement_writer_child). (ok, result) per job."""
        results: list[tuple[bool, Any]] = []
        conn = self._conn
        clock, committed = time.perf_counter(), False
        lazy = not durable
        started = time.time_ns() // 1_000_000
        self._lock.acquire(started)
        try:
            if lazy:
                conn.execute("PRAGMA synchronous = NORMAL")
            self.transaction_started_ms = started
            conn.execute("BEGIN IMMEDIATE")
            self._on_begin(conn)
            for run in _runs(jobs):
                if len(run) > 1:
                    results += self._run_merged(conn, run)
                else:
                    results.append(self._run_one(conn, run[0]))
            conn.execute("COMMIT")
            self.last_commit_jobs = len(jobs)
            committed = True
        except sqlite3.Error as exc:
            log.exception("sqlite group commit failed")
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            self._on_rollback()
            failure = StoreError(f"the store could not commit: {exc}")
            results = [(False, failure)] * len(jobs)
        finally:
            self.transaction_started_ms = None
            self._lock.release()
            if lazy:
                conn.execute(f"PRAGMA synchronous = {self._synchronous}")
        seconds = time.perf_counter() - clock
        self._report(len(jobs), seconds if committed else None)
        return results

    def _report(self, jobs: int, seconds: float | None) -> None:
        """Tell the observer; its failure must never stop the writer."""
        if self._observer is None:
            return
        try:
            if seconds is None:
                self._observer.transaction_failed(jobs)
            else:
                self._observer.transaction_committed(jobs, seconds)
        except Exception:
            log.exception("the write observer failed")

    def _run_one(self, conn: sqlite3.Connection, job: Job) -> tuple[bool, Any]:
        conn.execute("SAVEPOINT job")
        try:
            result = job(conn)
            conn.execute("RELEASE job")
            return True, result
        except Exception as exc:
            conn.execute("ROLLBACK TO job")
            conn.execute("RELEASE job")
            self._on_rollback()
            return False, _client_safe(exc)

    def _run_merged(self, conn: sqlite3.Connection, jobs: list[Any]) -> list[tuple[bool, Any]]:
        """Mergeable jobs in one pass; should that fail, one by one in their own savepoints."""
        conn.execute("SAVEPOINT merged")
        try:
            merged: list[tuple[bool, Any]] = jobs[0].run_together(conn, jobs)
            conn.execute("RELEASE merged")
            return [(ok, value if ok else _client_safe(value)) for ok, value in merged]
        except Exception:
            log.warning("merged write failed; retrying its jobs one by one", exc_info=True)
            conn.execute("ROLLBACK TO merged")
            conn.execute("RELEASE merged")
            self._on_rollback()
            return [self._run_one(conn, job) for job in jobs]


def write_queue_full() -> ServiceUnavailableError:
    """The 503 for a write that finds `max_pending` writes already waiting (issue 9)."""
    return ServiceUnavailableError(
        "too many writes are waiting for the store; retry later",
        retry_after=OVERLOAD_RETRY_AFTER,
        limit="write_queue",
    )


def _runs(jobs: list[Job]) -> list[list[Job]]:
    """Consecutive jobs with the same `merge_key` (jobs that can run together)."""
    runs: list[list[Job]] = []
    last: Hashable = None
    for job in jobs:
        key = getattr(job, "merge_key", None)
        if key is not None and key == last:
            runs[-1].append(job)
        else:
            runs.append([job])
        last = key
    return runs


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

"""The SQLite file every port of the adapter shares: one group-commit writer, pooled readers."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

from service.model.clock import now_ms
from service.model.errors import StoreError
from service.store.observer import WriteObserver
from service.store.sqlite.checkpointer import Checkpointer
from service.store.sqlite.schema import connect, create_schema
from service.store.sqlite.write_caches import WriteCaches
from service.store.sqlite.write_lock import WriteLock
from service.store.sqlite.writer import GroupCommitWriter

T = TypeVar("T")


class SQLiteDatabase:
    """Durable, WAL-mode SQLite; writes go through one group-commit writer thread."""

    def __init__(
        self,
        path: Path,
        *,
        read_threads: int = 4,
        group_commit_max: int = 512,
        max_pending_writes: int | None = None,
        checkpoints: bool = True,
        writer_thread: bool = True,
    ) -> None:
        self.path = path
        self._checkpoints = checkpoints
        self._writer_thread = writer_thread  # False: the owner calls writer.run_group itself
        self._epoch = -1  # the write lock's cache epoch the caches were last right for
        self._max_pending_writes = max_pending_writes
        self._read_threads = read_threads
        self._group_commit_max = group_commit_max
        self.caches = WriteCaches()  # interned keys of the statement write (see write_caches)
        self.writer: GroupCommitWriter | None = None
        self._checkpointer: Checkpointer | None = None
        self._lock: WriteLock | None = None
        self._readers: ThreadPoolExecutor | None = None
        self._local = threading.local()
        self._reader_connections: list[sqlite3.Connection] = []
        self._reader_lock = threading.Lock()
        self._last_stored_ms = 0
        self.write_observer: WriteObserver | None = None  # metrics, set before open (issue 7)

    async def open(self) -> None:
        await asyncio.to_thread(self._open_sync)

    def _open_sync(self) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            lock = WriteLock(self.path)
            try:
                conn = _schema_ready(self.path, lock)
            except BaseException:
                lock.close()
                raise
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(f"cannot open the SQLite store at {self.path}: {exc}") from exc
        self._lock = lock
        self.writer = GroupCommitWriter(
            conn,
            max_jobs=self._group_commit_max,
            on_rollback=self.caches.forget,
            lock=lock,
            on_begin=self._at_begin,
            observer=self.write_observer,
            max_pending=self._max_pending_writes,
        )
        if self._writer_thread:
            self.writer.start()
        if self._checkpoints:
            self._checkpointer = Checkpointer(self.path)
            self._checkpointer.start()
        self._readers = ThreadPoolExecutor(self._read_threads, thread_name_prefix="sqlite-reader")

    async def close(self) -> None:
        writer, readers = self.writer, self._readers
        self.writer = self._readers = None
        if readers is not None:
            readers.shutdown(wait=True)
        if writer is not None:
            await asyncio.to_thread(writer.stop)
        checkpointer, self._checkpointer = self._checkpointer, None
        if checkpointer is not None:
            await asyncio.to_thread(checkpointer.stop)
        with self._reader_lock:
            for conn in self._reader_connections:
                conn.close()
            self._reader_connections.clear()
        lock, self._lock = self._lock, None
        if lock is not None:
            lock.close()

    def consistent_through_ms(self) -> int:
        """Every statement stored at or before this instant is committed (T-18).

        A transaction running now stored from its start on; one not yet begun will store from
        now on, possibly within this very millisecond, hence the millisecond before it.
        """
        lock = self._lock
        started = lock.transaction_started_ms() if lock is not None else None
        now = now_ms() - 1
        return min(now, started - 1) if started is not None else now

    def size_bytes(self) -> int:
        """The database file and its write-ahead log, as the file system reports them."""
        total = 0
        for path in (self.path, self.path.with_name(self.path.name + "-wal")):
            with contextlib.suppress(FileNotFoundError):
                total += path.stat().st_size
        return total

    def writer_problem(self, stall_seconds: float) -> str | None:
        """Why writes cannot proceed now (writer stopped or stalled), or None (readiness)."""
        writer = self.writer
        if writer is None or not writer.alive:
            return "the writer is not running"
        started = writer.transaction_started_ms
        running = (now_ms() - started) / 1000 if started is not None else 0.0
        if running > stall_seconds:
            return f"a write transaction has been running for {running:.1f} s"
        return None

    def _at_begin(self, conn: sqlite3.Connection) -> None:
        """At BEGIN: `stored` continues from the newest one in the file, whoever wrote it; the
        caches are dropped if a writer anywhere deleted what they may hold."""
        assert self._lock is not None  # the writer runs between open and close
        epoch = self._lock.epoch()
        if epoch != self._epoch:
            self.caches.forget()
            self._epoch = epoch
        row = conn.execute("SELECT stored FROM statements ORDER BY seq DESC LIMIT 1").fetchone()
        if row is not None:
            self._last_stored_ms = max(self._last_stored_ms, row[0])

    def forget_everywhere(self) -> None:
        """In a write job that deletes index keys or agents: this writer's caches and every
        other writer's (at their next transaction) start afresh."""
        assert self._lock is not None
        self.caches.forget()
        self._epoch = self._lock.next_epoch()

    def claim_statements(self) -> None:
        """In a statement write job: drop the canonical definitions this writer remembers if
        another writer stored statements since it last did (they may have merged some)."""
        assert self._lock is not None
        if self._lock.claim_statements():
            self.caches.activities.forget()

    def next_stored_ms(self) -> int:
        """`stored` for the next write: wall-clock ms, never below an earlier one (SR-12)."""
        self._last_stored_ms = max(now_ms(), self._last_stored_ms)
        return self._last_stored_ms

    async def write(self, job: Callable[[sqlite3.Connection], T], *, durable: bool = True) -> T:
        """Run `job` in the writer's next transaction (grouped with others, see writer.py)."""
        if self.writer is None:
            raise StoreError("the store is not open")
        return await self.writer.submit(job, durable=durable)

    async def read(self, job: Callable[[sqlite3.Connection], T]) -> T:
        """Run `job` on a pooled read-only connection."""
        if self._readers is None:
            raise StoreError("the store is not open")
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._readers, self._run_read, job)
        except sqlite3.Error as exc:
            raise StoreError(f"the store could not answer: {exc}") from exc

    def _run_read(self, job: Callable[[sqlite3.Connection], T]) -> T:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = connect(self.path, readonly=True, cache_mib=16)
            self._local.conn = conn
            with self._reader_lock:
                self._reader_connections.append(conn)
        return job(conn)


class SQLitePart:
    """A port implementation over the shared database (composed into SQLiteStore)."""

    def __init__(self, db: SQLiteDatabase) -> None:
        self._db = db

    async def _read(self, job: Callable[[sqlite3.Connection], T]) -> T:
        return await self._db.read(job)

    async def _write(self, job: Callable[[sqlite3.Connection], T], *, durable: bool = True) -> T:
        return await self._db.write(job, durable=durable)


def _schema_ready(path: Path, lock: WriteLock) -> sqlite3.Connection:
    """The writer's connection, once the file holds this release's schema (or an error)."""
    conn = connect(path, readonly=False)
    try:
        conn.execute("PRAGMA wal_autocheckpoint = 0")  # the Checkpointer thread does it
        lock.acquire(0)
        try:
            create_schema(conn)
        finally:
            lock.release()
    except BaseException:
        conn.close()
        raise
    return conn

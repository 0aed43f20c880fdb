"""SQLiteStore: the embedded default adapter of the storage port."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import orjson

from service.model.clock import now_ms
from service.model.documents import (
    DocumentIds,
    DocumentKey,
    DocumentScope,
    DocumentWrite,
    KnownAgent,
    Preconditions,
    StoredDocument,
)
from service.model.errors import StoreError
from service.model.statements import (
    StatementPage,
    StatementQuery,
    StatementWrite,
    StoredAttachment,
    StoredStatement,
)
from service.store.observer import WriteObserver
from service.store.sqlite import agents as agent_ops
from service.store.sqlite import documents as document_ops
from service.store.sqlite import statements as ops
from service.store.sqlite.admin_store import SQLiteAdminMethods
from service.store.sqlite.checkpointer import Checkpointer
from service.store.sqlite.outcomes import SQLiteOutcomes
from service.store.sqlite.schema import connect, create_schema
from service.store.sqlite.statement_writes import insert_statements, insert_writes
from service.store.sqlite.write_caches import WriteCaches
from service.store.sqlite.write_lock import WriteLock
from service.store.sqlite.writer import GroupCommitWriter

T = TypeVar("T")


class SQLiteStore(SQLiteAdminMethods, SQLiteOutcomes):
    """Durable, WAL-mode SQLite; writes go through one group-commit writer thread."""

    kind = "sqlite"

    def __init__(
        self,
        path: Path,
        *,
        read_threads: int = 4,
        group_commit_max: int = 512,
        max_pending_writes: int | None = None,
    ) -> None:
        self.path = path
        self._max_pending_writes = max_pending_writes
        self._read_threads = read_threads
        self._group_commit_max = group_commit_max
        self._caches = WriteCaches()
        self._writer: GroupCommitWriter | None = None
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
        self._writer = GroupCommitWriter(
            conn,
            max_jobs=self._group_commit_max,
            on_rollback=self._caches.forget,
            lock=lock,
            on_begin=self._catch_up_stored,
            observer=self.write_observer,
            max_pending=self._max_pending_writes,
        )
        self._writer.start()
        self._checkpointer = Checkpointer(self.path)
        self._checkpointer.start()
        self._readers = ThreadPoolExecutor(self._read_threads, thread_name_prefix="sqlite-reader")

    async def close(self) -> None:
        writer, readers = self._writer, self._readers
        self._writer = self._readers = None
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

    async def ping(self) -> None:
        """A trivial query on a reader connection (readiness)."""
        await self._read(lambda conn: conn.execute("SELECT count(*) FROM meta").fetchone())

    def writer_problem(self, stall_seconds: float) -> str | None:
        """Why writes cannot proceed now (writer stopped or stalled), or None (readiness)."""
        writer = self._writer
        if writer is None or not writer.alive:
            return "the writer is not running"
        started = writer.transaction_started_ms
        running = (now_ms() - started) / 1000 if started is not None else 0.0
        if running > stall_seconds:
            return f"a write transaction has been running for {running:.1f} s"
        return None

    def _forget_index_keys(self) -> None:
        self._caches.forget()

    def _catch_up_stored(self, conn: sqlite3.Connection) -> None:
        """At BEGIN: `stored` continues from the newest one in the file, whoever wrote it."""
        row = conn.execute("SELECT stored FROM statements ORDER BY seq DESC LIMIT 1").fetchone()
        if row is not None:
            self._last_stored_ms = max(self._last_stored_ms, row[0])

    def _next_stored_ms(self) -> int:
        """`stored` for the next write: wall-clock ms, never below an earlier one (SR-12)."""
        self._last_stored_ms = max(now_ms(), self._last_stored_ms)
        return self._last_stored_ms

    async def _write(self, job: Callable[[sqlite3.Connection], T], *, durable: bool = True) -> T:
        if self._writer is None:
            raise StoreError("the store is not open")
        return await self._writer.submit(job, durable=durable)

    async def _read(self, job: Callable[[sqlite3.Connection], T]) -> T:
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

    async def store_statements(self, write: StatementWrite) -> list[str]:
        return await self._write(_StatementsJob(self, write))

    async def get_statement(
        self, tenant: str, statement_id: str, *, voided: bool
    ) -> StoredStatement | None:
        def job(conn: sqlite3.Connection) -> StoredStatement | None:
            row = conn.execute(
                "SELECT body, stored, uploaded FROM statements "
                "WHERE tenant = ? AND id = ? AND voided = ?",
                (tenant, statement_id, int(voided)),
            ).fetchone()
            if row is None:
                return None
            return StoredStatement(body=row[0], stored_ms=row[1], uploaded=ops.uploaded_of(row[2]))

        return await self._read(job)

    async def query_statements(self, tenant: str, query: StatementQuery) -> StatementPage:
        return await self._read(lambda conn: ops.query_statements(conn, tenant, query))

    async def get_attachments(self, tenant: str, sha2s: list[str]) -> list[StoredAttachment]:
        def job(conn: sqlite3.Connection) -> list[StoredAttachment]:
            found = []
            for sha2 in sha2s:
                row = conn.execute(
                    "SELECT content_type, data FROM attachments WHERE tenant = ? AND sha2 = ?",
                    (tenant, sha2),
                ).fetchone()
                if row is not None:
                    found.append(StoredAttachment(sha2=sha2, content_type=row[0], data=row[1]))
            return found

        return await self._read(job)

    async def get_activity_definitions(
        self, tenant: str, activity_ids: list[str]
    ) -> dict[str, dict[str, Any]]:
        def job(conn: sqlite3.Connection) -> dict[str, dict[str, Any]]:
            found: dict[str, dict[str, Any]] = {}
            for activity_id in activity_ids:
                row = conn.execute(
                    "SELECT definition FROM activities WHERE tenant = ? AND id = ?",
                    (tenant, activity_id),
                ).fetchone()
                if row is not None:
                    found[activity_id] = orjson.loads(row[0])
            return found

        return await self._read(job)

    async def get_document(self, tenant: str, key: DocumentKey) -> StoredDocument | None:
        return await self._read(lambda conn: document_ops.get_document(conn, tenant, key))

    async def list_documents(
        self, tenant: str, scope: DocumentScope, *, since_ms: int | None = None
    ) -> DocumentIds:
        return await self._read(
            lambda conn: document_ops.list_documents(conn, tenant, scope, since_ms)
        )

    async def put_document(
        self, tenant: str, key: DocumentKey, write: DocumentWrite
    ) -> StoredDocument:
        return await self._write(
            lambda conn: document_ops.put_document(conn, tenant, key, write, now_ms())
        )

    async def delete_document(
        self, tenant: str, key: DocumentKey, preconditions: Preconditions
    ) -> None:
        await self._write(
            lambda conn: document_ops.delete_document(conn, tenant, key, preconditions)
        )

    async def delete_documents(
        self, tenant: str, scope: DocumentScope, preconditions: Preconditions
    ) -> None:
        await self._write(
            lambda conn: document_ops.delete_documents(conn, tenant, scope, preconditions)
        )

    async def get_agent(self, tenant: str, agent_key: str) -> KnownAgent | None:
        return await self._read(lambda conn: agent_ops.get_agent(conn, tenant, agent_key))

    async def count_credentials(self) -> int:
        def job(conn: sqlite3.Connection) -> int:
            return int(conn.execute("SELECT count(*) FROM credentials").fetchone()[0])

        return await self._read(job)


class _StatementsJob:
    """A statement write for the writer thread; those of one tenant merge (see writer.py)."""

    __slots__ = ("merge_key", "store", "write")

    def __init__(self, store: SQLiteStore, write: StatementWrite) -> None:
        self.store = store
        self.write = write
        self.merge_key = ("statements", write.tenant)

    def __call__(self, conn: sqlite3.Connection) -> list[str]:
        store, write = self.store, self.write
        stored_ms = store._next_stored_ms()
        return insert_statements(conn, store._caches, write, stored_ms)

    def run_together(
        self, conn: sqlite3.Connection, jobs: list[_StatementsJob]
    ) -> list[tuple[bool, Any]]:
        writes = [job.write for job in jobs]
        return insert_writes(conn, self.store._caches, writes, self.store._next_stored_ms)


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

"""SQLite's StatementStore: the statement write (with its outbox rows) and statement reads."""

from __future__ import annotations

import sqlite3
from typing import Any, Protocol

import orjson

from service.model.documents import KnownAgent
from service.model.statements import (
    StatementPage,
    StatementQuery,
    StatementWrite,
    StoredAttachment,
    StoredStatement,
)
from service.store.sqlite import agents as agent_ops
from service.store.sqlite import statements as ops
from service.store.sqlite.database import SQLiteDatabase, SQLitePart
from service.store.sqlite.statement_writes import insert_statements, insert_writes


class StatementWriter(Protocol):
    """Another process that stores statement writes (see statement_writer_process)."""

    alive: bool

    async def store(self, write: StatementWrite) -> list[str]: ...


class SQLiteStatements(SQLitePart):
    """Each batch is one writer job: statements, side tables and outbox rows commit together.

    With a statement writer process (`process`, set once it runs) the job runs there.
    """

    process: StatementWriter | None = None

    def consistent_through_ms(self) -> int:
        return self._db.consistent_through_ms()

    async def store_statements(self, write: StatementWrite) -> list[str]:
        process = self.process
        if process is not None and process.alive:
            return await process.store(write)
        return await self._write(StatementsJob(self._db, write))

    async def get_statement(
        self, tenant: str, statement_id: str, *, voided: bool
    ) -> StoredStatement | None:
        def job(conn: sqlite3.Connection) -> StoredStatement | None:
            row = conn.execute(
                "SELECT body, stored, uploaded, ts_original FROM statements "
                "WHERE tenant = ? AND id = ? AND voided = ?",
                (tenant, statement_id, int(voided)),
            ).fetchone()
            if row is None:
                return None
            return StoredStatement(
                body=row[0],
                stored_ms=row[1],
                uploaded=ops.uploaded_of(row[2]),
                original_timestamp=row[3],
            )

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

    async def get_agent(self, tenant: str, agent_key: str) -> KnownAgent | None:
        return await self._read(lambda conn: agent_ops.get_agent(conn, tenant, agent_key))


class StatementsJob:
    """A statement write for the writer thread; those of one tenant merge (see writer.py)."""

    __slots__ = ("db", "merge_key", "write")

    def __init__(self, db: SQLiteDatabase, write: StatementWrite) -> None:
        self.db = db
        self.write = write
        self.merge_key = ("statements", write.tenant)

    def __call__(self, conn: sqlite3.Connection) -> list[str]:
        db, write = self.db, self.write
        db.claim_statements()
        stored_ms = db.next_stored_ms()
        return insert_statements(conn, db.caches, write, stored_ms)

    def run_together(
        self, conn: sqlite3.Connection, jobs: list[StatementsJob]
    ) -> list[tuple[bool, Any]]:
        writes = [job.write for job in jobs]
        self.db.claim_statements()
        return insert_writes(conn, self.db.caches, writes, self.db.next_stored_ms)

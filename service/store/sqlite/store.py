"""SQLiteStore: the embedded default backend, composed of one object per port it provides."""

from __future__ import annotations

import asyncio
from pathlib import Path

from service.store.observer import WriteObserver
from service.store.ports import OutboxStore
from service.store.ports.backend import OutcomeStores
from service.store.sqlite.account_store import SQLiteAccounts
from service.store.sqlite.audit_store import SQLiteAudit
from service.store.sqlite.console_store import SQLiteIngestStats, SQLiteSessions
from service.store.sqlite.database import SQLiteDatabase
from service.store.sqlite.document_store import SQLiteDocuments
from service.store.sqlite.erasure_store import SQLiteErasure
from service.store.sqlite.feed_store import SQLiteFeed
from service.store.sqlite.lease_store import SQLiteLeases
from service.store.sqlite.outbox_store import SQLiteOutbox
from service.store.sqlite.outcome_evaluation import SQLiteOutcomeEvaluation
from service.store.sqlite.outcome_org import SQLiteOrgData
from service.store.sqlite.outcome_reports import SQLiteOutcomeReports
from service.store.sqlite.quota_store import SQLiteQuotas
from service.store.sqlite.retention_store import SQLiteRetention
from service.store.sqlite.statement_store import SQLiteStatements
from service.store.sqlite.statement_writer_process import StatementWriterProcess


class SQLiteStore:
    """Every port over one SQLiteDatabase: they share its writer thread and reader pool."""

    kind = "sqlite"

    def __init__(
        self,
        path: Path,
        *,
        read_threads: int = 4,
        group_commit_max: int = 512,
        max_pending_writes: int | None = None,
        statement_writer_process: bool = False,
    ) -> None:
        self._statement_process: StatementWriterProcess | None = None
        if statement_writer_process:
            self._statement_process = StatementWriterProcess(
                path, group_commit_max=group_commit_max, max_pending=max_pending_writes
            )
        self.database = SQLiteDatabase(
            path,
            read_threads=read_threads,
            group_commit_max=group_commit_max,
            max_pending_writes=max_pending_writes,
        )
        self.statements = SQLiteStatements(self.database)
        self.documents = SQLiteDocuments(self.database)
        self.accounts = SQLiteAccounts(self.database)
        self.outbox: OutboxStore = SQLiteOutbox(self.database)
        self.erasure = SQLiteErasure(self.database)
        self.audit = SQLiteAudit(self.database)
        self.retention = SQLiteRetention(self.database)
        self.feed = SQLiteFeed(self.database)
        self.quotas = SQLiteQuotas(self.database)
        self.leases = SQLiteLeases(self.database)
        self.sessions = SQLiteSessions(self.database)
        self.ingest = SQLiteIngestStats(self.database)
        self.outcomes = OutcomeStores(
            SQLiteOutcomeEvaluation(self.database),
            SQLiteOutcomeReports(self.database),
            SQLiteOrgData(self.database),
        )

    @property
    def path(self) -> Path:
        return self.database.path

    @property
    def write_observer(self) -> WriteObserver | None:
        return self.database.write_observer

    @write_observer.setter
    def write_observer(self, observer: WriteObserver | None) -> None:
        """Metrics, set before open (issue 7)."""
        self.database.write_observer = observer

    async def open(self) -> None:
        await self.database.open()
        process = self._statement_process
        if process is not None:
            try:
                await asyncio.to_thread(process.start, self.database.write_observer)
            except BaseException:
                await self.database.close()
                raise
            self.statements.process = process

    async def close(self) -> None:
        self.statements.process = None
        process = self._statement_process
        if process is not None and process.started:
            await asyncio.to_thread(process.stop)
        await self.database.close()

    async def ping(self) -> None:
        """A trivial query on a reader connection (readiness)."""
        await self.database.read(lambda conn: conn.execute("SELECT count(*) FROM meta").fetchone())

    async def size_bytes(self) -> int:
        """The database file and its write-ahead log."""
        return self.database.size_bytes()

    def writer_problem(self, stall_seconds: float) -> str | None:
        """Why writes cannot proceed now (writer stopped or stalled), or None (readiness)."""
        return self.database.writer_problem(stall_seconds)

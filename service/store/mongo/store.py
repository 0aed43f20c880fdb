"""MongoStore: the storage backend on MongoDB, composed of one object per port it provides."""

from __future__ import annotations

from pymongo.asynchronous.database import AsyncDatabase

from service.store.mongo.account_store import MongoAccounts
from service.store.mongo.audit_store import MongoAudit
from service.store.mongo.client import Doc, MongoOptions
from service.store.mongo.connection import MongoConnection
from service.store.mongo.console_store import MongoIngestStats, MongoSessions
from service.store.mongo.document_store import MongoDocuments
from service.store.mongo.erasure_store import MongoErasure
from service.store.mongo.feed_store import MongoFeed
from service.store.mongo.lease_store import MongoLeases
from service.store.mongo.outbox_store import MongoOutbox
from service.store.mongo.outcome_evaluation import MongoOutcomeEvaluation
from service.store.mongo.outcome_org import MongoOrgData
from service.store.mongo.outcome_reports import MongoOutcomeReports
from service.store.mongo.quota_store import MongoQuotas
from service.store.mongo.retention_store import MongoRetention
from service.store.mongo.statement_store import MongoStatements
from service.store.observer import WriteObserver
from service.store.ports import OutboxStore
from service.store.ports.backend import OutcomeStores


class MongoStore:
    """Statements, documents and side tables in one MongoDB database, one collection per kind.

    Outcome state lives in the `outcome_*` collections (see `outcome_schema`).
    """

    kind = "mongodb"

    def __init__(self, options: MongoOptions) -> None:
        self.connection = MongoConnection(options)
        self.statements = MongoStatements(self.connection)
        self.documents = MongoDocuments(self.connection)
        self.accounts = MongoAccounts(self.connection)
        self.outbox: OutboxStore = MongoOutbox(self.connection)
        self.erasure = MongoErasure(self.connection)
        self.audit = MongoAudit(self.connection)
        self.retention = MongoRetention(self.connection)
        self.feed = MongoFeed(self.connection)
        self.quotas = MongoQuotas(self.connection)
        self.leases = MongoLeases(self.connection)
        self.sessions = MongoSessions(self.connection)
        self.ingest = MongoIngestStats(self.connection)
        self.outcomes: OutcomeStores | None = OutcomeStores(
            MongoOutcomeEvaluation(self.connection),
            MongoOutcomeReports(self.connection),
            MongoOrgData(self.connection),
        )

    @property
    def options(self) -> MongoOptions:
        return self.connection.options

    @property
    def db(self) -> AsyncDatabase[Doc]:
        return self.connection.db

    @property
    def write_observer(self) -> WriteObserver | None:
        return self.connection.write_observer

    @write_observer.setter
    def write_observer(self, observer: WriteObserver | None) -> None:
        """Metrics, set before open (issue 7)."""
        self.connection.write_observer = observer

    async def open(self) -> None:
        await self.connection.open()

    async def close(self) -> None:
        await self.connection.close()

    async def ping(self) -> None:
        await self.connection.ping()

    async def size_bytes(self) -> int:
        return await self.connection.size_bytes()

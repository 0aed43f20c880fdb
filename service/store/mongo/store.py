"""MongoStore: the storage port on MongoDB through PyMongo's native asyncio client."""

from __future__ import annotations

import time
from typing import Any

from pymongo import AsyncMongoClient
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import ConfigurationError, ServerSelectionTimeoutError

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
from service.model.ids import random_uuid
from service.model.statements import (
    NewStatement,
    StatementPage,
    StatementQuery,
    StatementWrite,
    StoredAttachment,
    StoredStatement,
)
from service.store.mongo import admin as admin_ops
from service.store.mongo import documents as document_ops
from service.store.mongo import outbox as outbox_ops
from service.store.mongo import schema
from service.store.mongo import statement_reads as reads
from service.store.mongo.admin_store import MongoAdminMethods
from service.store.mongo.client import (
    Doc,
    MongoOptions,
    driver_errors,
    supports_transactions,
    unreachable,
)
from service.store.mongo.outcomes import MongoOutcomesUnsupported
from service.store.mongo.references import settle_references
from service.store.mongo.sequence import SequenceAllocator
from service.store.mongo.side_tables import merge_definitions, record_agents, store_attachments
from service.store.mongo.statement_docs import (
    COMMITTED,
    first_occurrences,
    stamped,
    statement_doc,
)
from service.store.mongo.statement_writes import (
    Pair,
    Written,
    discard,
    insert_in_transaction,
    insert_pending,
    publish,
)
from service.store.observer import WriteObserver

ORPHAN_AFTER_TIMEOUTS = 3  # a batch pending this many operation timeouts long has died


def _seqs(pairs: list[Pair]) -> list[tuple[int, NewStatement]]:
    return [(int(doc["seq"]), new) for new, doc in pairs]


class MongoStore(MongoAdminMethods, MongoOutcomesUnsupported):
    """Statements, documents and side tables in one MongoDB database, one collection per kind."""

    kind = "mongodb"

    def __init__(self, options: MongoOptions) -> None:
        self.options = options
        self._client: AsyncMongoClient[Doc] | None = None
        self._db: AsyncDatabase[Doc] | None = None
        self._sequence: SequenceAllocator | None = None
        self.transactions = False
        self.write_observer: WriteObserver | None = None  # metrics, set before open (issue 7)

    @property
    def db(self) -> AsyncDatabase[Doc]:
        if self._db is None:
            raise StoreError("the store is not open")
        return self._db

    def _coll(self, name: str) -> AsyncCollection[Doc]:
        return self.db[name]

    async def open(self) -> None:
        """Connect, learn the topology and create missing indexes (idempotent)."""
        try:
            client = self.options.client()
        except ConfigurationError as exc:
            raise StoreError(f"LRS_STORE_URL is not a usable MongoDB URL: {exc}") from None
        try:
            hello = await self._connect(client)
        except BaseException:
            await client.close()
            raise
        mode = self.options.transactions
        self.transactions = mode == "always" or (mode == "auto" and supports_transactions(hello))
        self._client = client
        self._sequence = SequenceAllocator(
            self.db[schema.COUNTERS], lag_ms=self.options.consistency_lag_ms
        )

    @driver_errors("open the database")
    async def _connect(self, client: AsyncMongoClient[Doc]) -> Doc:
        """The server's `hello`, once the database is ready for this release."""
        try:
            hello = await client.admin.command("hello")
        except ServerSelectionTimeoutError:
            raise unreachable(client) from None  # no driver traceback: the line says it all
        db = client.get_default_database(default="lrs")
        await schema.check_schema_version(db)
        await schema.ensure_indexes(db)
        await admin_ops.ensure_default_tenant(db[schema.TENANTS])
        await schema.record_schema_version(db)
        self._db = db
        return hello

    async def close(self) -> None:
        client, self._client, self._db = self._client, None, None
        if client is not None:
            await client.close()

    def consistent_through_ms(self) -> int:
        if self._sequence is None:
            raise StoreError("the store is not open")
        return self._sequence.consistent_through_ms()

    @driver_errors("answer a ping")
    async def ping(self) -> None:
        """A round trip to the server (readiness)."""
        await self.db.command("ping")

    async def store_statements(self, write: StatementWrite) -> list[str]:
        """Store a batch all-or-nothing (SR-4, SR-7, SR-20); the write observer hears of it."""
        started = time.perf_counter()
        try:
            ids = await self._store_statements(write.tenant, write.statements, write.attachments)
        except StoreError:
            if self.write_observer is not None:
                self.write_observer.transaction_failed(1)
            raise
        if self.write_observer is not None:
            self.write_observer.transaction_committed(1, time.perf_counter() - started)
        return ids

    @driver_errors("store the statements")
    async def _store_statements(
        self, tenant: str, statements: list[NewStatement], attachments: list[StoredAttachment]
    ) -> list[str]:
        """See `statement_writes` for how a batch becomes all-or-nothing."""
        if self._sequence is None or self._client is None:
            raise StoreError("the store is not open")
        batch = first_occurrences(statements)
        if not batch:
            return []
        coll = self._coll(schema.STATEMENTS)
        token = COMMITTED if self.transactions else random_uuid().hex
        sent = frozenset(a.sha2.lower() for a in attachments)
        async with self._sequence.reserve(tenant, len(batch)) as reservation:
            stored_ms = reservation.stored_ms
            pairs = [
                (new, statement_doc(tenant, new, reservation.seq(i), stored_ms, token, sent))
                for i, new in enumerate(batch)
            ]
            if self.transactions:

                async def enqueue(session: AsyncClientSession, inserted: list[Pair]) -> None:
                    await outbox_ops.enqueue(self.db, tenant, _seqs(inserted), stored_ms, session)

                written = await insert_in_transaction(self._client, coll, tenant, pairs, enqueue)
                await self._side_effects(tenant, written, attachments)
            else:
                written = await self._insert_standalone(tenant, pairs, token, attachments)
                await outbox_ops.enqueue(self.db, tenant, _seqs(written.inserted), stored_ms)
            settled = [doc for _, doc in written.inserted] + written.unchanged
            await settle_references(coll, tenant, settled)
            for new, _ in written.inserted:
                new.statement = stamped(new.statement, stored_ms)
        return [new.id for new in statements]

    async def _insert_standalone(
        self, tenant: str, pairs: list[Pair], token: str, attachments: list[StoredAttachment]
    ) -> Written:
        """Pending documents, side effects, then one update makes the batch visible."""
        coll = self._coll(schema.STATEMENTS)
        ids = [new.id for new, _ in pairs]
        try:
            orphan_after_ms = ORPHAN_AFTER_TIMEOUTS * self.options.timeout_ms
            written = await insert_pending(
                coll, tenant, pairs, token, orphan_after_ms=orphan_after_ms
            )
            await self._side_effects(tenant, written, attachments)
            await publish(coll, tenant, ids, token)
        except BaseException:
            await discard(coll, tenant, ids, token)
            raise
        return written

    async def _side_effects(
        self, tenant: str, written: Written, attachments: list[StoredAttachment]
    ) -> None:
        """Attachments, canonical definitions and agents of the new statements (SR-7)."""
        await store_attachments(self._coll(schema.ATTACHMENTS), tenant, attachments)
        definitions: list[tuple[str, dict[str, Any]]] = []
        agents: list[dict[str, Any]] = []
        for new, _ in written.inserted:
            definitions.extend(new.index.definitions)
            agents.extend(new.index.agents)
        if definitions:
            await merge_definitions(self._coll(schema.ACTIVITIES), tenant, definitions)
        await record_agents(self._coll(schema.AGENTS), tenant, agents)

    @driver_errors("read a statement")
    async def get_statement(
        self, tenant: str, statement_id: str, *, voided: bool
    ) -> StoredStatement | None:
        return await reads.get_statement(
            self._coll(schema.STATEMENTS), tenant, statement_id, voided=voided
        )

    @driver_errors("query statements")
    async def query_statements(self, tenant: str, query: StatementQuery) -> StatementPage:
        return await reads.query_statements(self._coll(schema.STATEMENTS), tenant, query)

    @driver_errors("read attachments")
    async def get_attachments(self, tenant: str, sha2s: list[str]) -> list[StoredAttachment]:
        return await reads.get_attachments(self._coll(schema.ATTACHMENTS), tenant, sha2s)

    @driver_errors("read activity definitions")
    async def get_activity_definitions(
        self, tenant: str, activity_ids: list[str]
    ) -> dict[str, dict[str, Any]]:
        coll = self._coll(schema.ACTIVITIES)
        return await reads.get_activity_definitions(coll, tenant, activity_ids)

    @driver_errors("read a document")
    async def get_document(self, tenant: str, key: DocumentKey) -> StoredDocument | None:
        return await document_ops.get_document(self._coll(schema.DOCUMENTS), tenant, key)

    @driver_errors("list documents")
    async def list_documents(
        self, tenant: str, scope: DocumentScope, *, since_ms: int | None = None
    ) -> DocumentIds:
        coll = self._coll(schema.DOCUMENTS)
        return await document_ops.list_documents(coll, tenant, scope, since_ms)

    @driver_errors("write a document")
    async def put_document(
        self, tenant: str, key: DocumentKey, write: DocumentWrite
    ) -> StoredDocument:
        return await document_ops.put_document(self._coll(schema.DOCUMENTS), tenant, key, write)

    @driver_errors("delete a document")
    async def delete_document(
        self, tenant: str, key: DocumentKey, preconditions: Preconditions
    ) -> None:
        coll = self._coll(schema.DOCUMENTS)
        await document_ops.delete_document(coll, tenant, key, preconditions)

    @driver_errors("delete documents")
    async def delete_documents(
        self, tenant: str, scope: DocumentScope, preconditions: Preconditions
    ) -> None:
        coll = self._coll(schema.DOCUMENTS)
        await document_ops.delete_documents(coll, tenant, scope, preconditions)

    @driver_errors("read an agent")
    async def get_agent(self, tenant: str, agent_key: str) -> KnownAgent | None:
        doc = await self._coll(schema.AGENTS).find_one({"t": tenant, "key": agent_key})
        if doc is None:
            return None
        return KnownAgent(key=agent_key, ifi=doc["ifi"], names=list(doc["names"]))

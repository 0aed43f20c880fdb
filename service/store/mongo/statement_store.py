"""MongoDB's StatementStore: the statement write (with its outbox rows) and statement reads."""

from __future__ import annotations

import time
from typing import Any

from pymongo.asynchronous.client_session import AsyncClientSession

from service.model.documents import KnownAgent
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
from service.store.mongo import outbox as outbox_ops
from service.store.mongo import schema
from service.store.mongo import statement_reads as reads
from service.store.mongo.client import driver_errors
from service.store.mongo.connection import MongoConnection
from service.store.mongo.references import settle_references
from service.store.mongo.side_tables import merge_definitions, record_agents, store_attachments
from service.store.mongo.statement_docs import COMMITTED, statement_doc
from service.store.mongo.statement_writes import (
    Pair,
    Written,
    discard,
    insert_in_transaction,
    insert_pending,
    publish,
)
from service.xapi.statement_batch import first_occurrences, stamped
from service.xapi.timestamps import format_ms

ORPHAN_AFTER_TIMEOUTS = 3  # a batch pending this many operation timeouts long has died


def _seqs(pairs: list[Pair]) -> list[tuple[int, NewStatement]]:
    return [(int(doc["seq"]), new) for new, doc in pairs]


class MongoStatements:
    """Statements, attachments, definitions and agents; the outbox rows of a batch are written
    with it (in its transaction when the server has them, see statement_writes)."""

    def __init__(self, conn: MongoConnection) -> None:
        self._conn = conn

    def consistent_through_ms(self) -> int:
        return self._conn.sequence.consistent_through_ms()

    async def store_statements(self, write: StatementWrite) -> list[str]:
        """Store a batch all-or-nothing (SR-4, SR-7, SR-20); the write observer hears of it."""
        started = time.perf_counter()
        try:
            ids = await self._store_statements(write.tenant, write.statements, write.attachments)
        except StoreError:
            if self._conn.write_observer is not None:
                self._conn.write_observer.transaction_failed(1)
            raise
        if self._conn.write_observer is not None:
            self._conn.write_observer.transaction_committed(1, time.perf_counter() - started)
        return ids

    @driver_errors("store the statements")
    async def _store_statements(
        self, tenant: str, statements: list[NewStatement], attachments: list[StoredAttachment]
    ) -> list[str]:
        """See `statement_writes` for how a batch becomes all-or-nothing."""
        conn = self._conn
        sequence, client = conn.sequence, conn.client  # StoreError when not open
        batch = first_occurrences(statements)
        if not batch:
            return []
        coll = conn.coll(schema.STATEMENTS)
        token = COMMITTED if conn.transactions else random_uuid().hex
        sent = frozenset(a.sha2.lower() for a in attachments)
        async with sequence.reserve(tenant, len(batch)) as reservation:
            stored_ms = reservation.stored_ms
            pairs = [
                (new, statement_doc(tenant, new, reservation.seq(i), stored_ms, token, sent))
                for i, new in enumerate(batch)
            ]
            if conn.transactions:

                async def enqueue(session: AsyncClientSession, inserted: list[Pair]) -> None:
                    await outbox_ops.enqueue(conn.db, tenant, _seqs(inserted), stored_ms, session)

                written = await insert_in_transaction(client, coll, tenant, pairs, enqueue)
                await self._side_effects(tenant, written, attachments)
            else:
                written = await self._insert_standalone(tenant, pairs, token, attachments)
                await outbox_ops.enqueue(conn.db, tenant, _seqs(written.inserted), stored_ms)
            settled = [doc for _, doc in written.inserted] + written.unchanged
            await settle_references(coll, tenant, settled)
            stored = format_ms(stored_ms)
            for new, _ in written.inserted:
                new.statement = stamped(new.statement, stored)
        return [new.id for new in statements]

    async def _insert_standalone(
        self, tenant: str, pairs: list[Pair], token: str, attachments: list[StoredAttachment]
    ) -> Written:
        """Pending documents, side effects, then one update makes the batch visible."""
        coll = self._conn.coll(schema.STATEMENTS)
        ids = [new.id for new, _ in pairs]
        try:
            orphan_after_ms = ORPHAN_AFTER_TIMEOUTS * self._conn.options.timeout_ms
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
        await store_attachments(self._conn.coll(schema.ATTACHMENTS), tenant, attachments)
        definitions: list[tuple[str, dict[str, Any]]] = []
        agents: list[dict[str, Any]] = []
        for new, _ in written.inserted:
            definitions.extend(new.index.definitions)
            agents.extend(new.index.agents)
        if definitions:
            await merge_definitions(self._conn.coll(schema.ACTIVITIES), tenant, definitions)
        await record_agents(self._conn.coll(schema.AGENTS), tenant, agents)

    @driver_errors("read a statement")
    async def get_statement(
        self, tenant: str, statement_id: str, *, voided: bool
    ) -> StoredStatement | None:
        return await reads.get_statement(
            self._conn.coll(schema.STATEMENTS), tenant, statement_id, voided=voided
        )

    @driver_errors("query statements")
    async def query_statements(self, tenant: str, query: StatementQuery) -> StatementPage:
        return await reads.query_statements(self._conn.coll(schema.STATEMENTS), tenant, query)

    @driver_errors("read attachments")
    async def get_attachments(self, tenant: str, sha2s: list[str]) -> list[StoredAttachment]:
        return await reads.get_attachments(self._conn.coll(schema.ATTACHMENTS), tenant, sha2s)

    @driver_errors("read activity definitions")
    async def get_activity_definitions(
        self, tenant: str, activity_ids: list[str]
    ) -> dict[str, dict[str, Any]]:
        coll = self._conn.coll(schema.ACTIVITIES)
        return await reads.get_activity_definitions(coll, tenant, activity_ids)

    @driver_errors("read an agent")
    async def get_agent(self, tenant: str, agent_key: str) -> KnownAgent | None:
        doc = await self._conn.coll(schema.AGENTS).find_one({"t": tenant, "key": agent_key})
        if doc is None:
            return None
        return KnownAgent(key=agent_key, ifi=doc["ifi"], names=list(doc["names"]))

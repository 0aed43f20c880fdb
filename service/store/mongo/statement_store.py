"""MongoDB's StatementStore: the statement write (with its outbox rows) and statement reads."""

from __future__ import annotations

import time
from typing import Any

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
from service.store.mongo import batches, schema
from service.store.mongo import outbox as outbox_ops
from service.store.mongo import statement_reads as reads
from service.store.mongo.batch_recovery import recover
from service.store.mongo.client import driver_errors
from service.store.mongo.connection import ORPHAN_AFTER_TIMEOUTS, MongoConnection
from service.store.mongo.references import settle_references
from service.store.mongo.side_tables import merge_definitions, record_agents, store_attachments
from service.store.mongo.statement_docs import statement_doc
from service.store.mongo.statement_writes import Pair, Written, insert_pending
from service.xapi.statement_batch import first_occurrences, stamped
from service.xapi.timestamps import format_ms


def _seqs(pairs: list[Pair]) -> list[tuple[int, NewStatement]]:
    return [(int(doc["seq"]), new) for new, doc in pairs]


class MongoStatements:
    """Statements, attachments, definitions and agents; the outbox rows of a batch are written
    before it commits (see `batches`)."""

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
        """One path on every deployment, correct without multi-document transactions:

        reserve the numbers and mark the batch pending (one update), insert its documents
        pending, write attachments, definitions, agents and outbox rows, commit (one update of
        the marker: the batch becomes visible whole), settle voiding and references, forget the
        marker. Before the commit any failure aborts the batch; after it the batch is stored,
        and whatever a crash left unsettled is settled by the next writer (see `batches`).
        """
        conn = self._conn
        sequence, db = conn.sequence, conn.db  # StoreError when not open
        batch = first_occurrences(statements)
        if not batch:
            return []
        token = random_uuid().hex
        sent = frozenset(a.sha2.lower() for a in attachments)
        orphan_after_ms = ORPHAN_AFTER_TIMEOUTS * conn.options.timeout_ms
        async with sequence.reserve(tenant, len(batch), token) as reservation:
            await recover(db, tenant, reservation.counter, orphan_after_ms, own=token)
            stored_ms = reservation.stored_ms
            pairs = [
                (new, statement_doc(tenant, new, reservation.seq(i), stored_ms, token, sent))
                for i, new in enumerate(batch)
            ]
            try:
                written = await insert_pending(
                    db, tenant, pairs, token, orphan_after_ms=orphan_after_ms
                )
                await self._side_effects(tenant, written, attachments)
                await outbox_ops.enqueue(db, tenant, _seqs(written.inserted), stored_ms)
                if not await batches.commit(db, tenant, token):
                    raise StoreError("the batch took too long and was abandoned; send it again")
            except BaseException:
                await batches.abort(db, tenant, token)
                raise
            settled = [doc for _, doc in written.inserted] + written.unchanged
            committed = await batches.snapshot(db, tenant)
            await settle_references(conn.coll(schema.STATEMENTS), tenant, settled, committed)
            await batches.settled(db, tenant, token)
            stored = format_ms(stored_ms)
            for new, _ in written.inserted:
                new.statement = stamped(new.statement, stored)
        return [new.id for new in statements]

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
        committed = await batches.snapshot(self._conn.db, tenant)
        coll = self._conn.coll(schema.STATEMENTS)
        return await reads.get_statement(coll, tenant, statement_id, committed, voided=voided)

    @driver_errors("query statements")
    async def query_statements(self, tenant: str, query: StatementQuery) -> StatementPage:
        committed = await batches.snapshot(self._conn.db, tenant)
        coll = self._conn.coll(schema.STATEMENTS)
        return await reads.query_statements(coll, tenant, query, committed)

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

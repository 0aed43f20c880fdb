"""MongoDB's RetentionStore: policies, expired statements deleted with erasure's rules.

Policies live in `retention` (one document per tenant), deleted statement ids in `tombstones`.
A `timestamp` policy reads each body of the tenant (timestamps are not a field of their own);
a `stored` one uses the (t, stored) index. Only committed statements are candidates: each
search reads the tenant's counter document first (`batches.snapshot`), as every reader does.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import orjson
from pymongo import ASCENDING

from service.model.retention import RetentionBatch, RetentionField, RetentionPolicy
from service.store.mongo import batches, schema
from service.store.mongo.client import Doc, driver_errors
from service.store.mongo.connection import MongoConnection
from service.store.mongo.erasure import _delete_orphan_attachments
from service.store.mongo.tombstones import record_tombstones
from service.xapi.timestamps import format_ms


class MongoRetention:
    """Retention (issue 20)."""

    def __init__(self, conn: MongoConnection) -> None:
        self._conn = conn

    @driver_errors("set a retention policy")
    async def set_retention_policy(self, tenant: str, policy: RetentionPolicy | None) -> None:
        coll = self._conn.db[schema.RETENTION]
        if policy is None:
            await coll.delete_one({"_id": tenant})
            return
        values = {"period": policy.period, "field": policy.field}
        await coll.update_one({"_id": tenant}, {"$set": values}, upsert=True)

    @driver_errors("read retention policies")
    async def retention_policies(self) -> dict[str, RetentionPolicy]:
        found: dict[str, RetentionPolicy] = {}
        async for doc in self._conn.db[schema.RETENTION].find():
            found[doc["_id"]] = RetentionPolicy(doc["period"], doc["field"])
        return found

    async def _expired(
        self, tenant: str, field: RetentionField, cutoff_ms: int
    ) -> AsyncIterator[Doc]:
        statements = self._conn.db[schema.STATEMENTS]
        committed = (await batches.snapshot(self._conn.db, tenant)).where()
        projection = {"id": 1, "body": 1, "seq": 1}
        if field == "stored":
            where: dict[str, Any] = {"t": tenant, "stored": {"$lt": cutoff_ms}, **committed}
            async for doc in statements.find(where, projection).sort("seq", ASCENDING):
                yield doc
            return
        cutoff = format_ms(cutoff_ms)  # canonical UTC timestamps compare as text (V-12)
        async for doc in statements.find({"t": tenant, **committed}, projection).sort(
            "seq", ASCENDING
        ):
            if orjson.loads(doc["body"]).get("timestamp", cutoff) < cutoff:
                yield doc

    @driver_errors("count expired statements")
    async def count_expired(self, tenant: str, field: RetentionField, cutoff_ms: int) -> int:
        if field == "stored":
            committed = (await batches.snapshot(self._conn.db, tenant)).where()
            where = {"t": tenant, "stored": {"$lt": cutoff_ms}, **committed}
            return await self._conn.db[schema.STATEMENTS].count_documents(where)
        return len([doc async for doc in self._expired(tenant, field, cutoff_ms)])

    @driver_errors("delete expired statements")
    async def delete_expired(
        self, tenant: str, field: RetentionField, cutoff_ms: int, *, limit: int, now_ms: int
    ) -> RetentionBatch:
        db = self._conn.db
        doomed: list[Doc] = []
        async for doc in self._expired(tenant, field, cutoff_ms):
            doomed.append(doc)
            if len(doomed) >= limit:
                break
        if not doomed:
            return RetentionBatch([])
        ids = [doc["id"] for doc in doomed]
        gone = [(doc["id"], int(doc["seq"]), "deleted") for doc in doomed]
        # first: a crash leaves extra ones
        await record_tombstones(db, tenant, gone, reason="retention", now_ms=now_ms)
        await db[schema.STATEMENTS].delete_many({"_id": {"$in": [doc["_id"] for doc in doomed]}})
        outbox = await db[schema.OUTBOX].delete_many(
            {"tenant": tenant, "statement_id": {"$in": ids}}
        )
        attachments = await _delete_orphan_attachments(db, tenant, doomed)
        return RetentionBatch(ids, outbox.deleted_count, attachments)

    @driver_errors("list tombstones")
    async def list_tombstones(
        self, tenant: str, after_id: int, limit: int
    ) -> list[tuple[int, str, int]]:
        where = {"tenant": tenant, "n": {"$gt": after_id}, "change_id": {"$exists": False}}
        cursor = self._conn.db[schema.TOMBSTONES].find(where).sort("n", ASCENDING).limit(limit)
        return [(doc["n"], doc["statement_id"], doc["deleted"]) async for doc in cursor]

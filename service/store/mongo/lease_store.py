"""MongoDB's EvaluationLeaseStore: one document per lease in `leases`, changed by conditional
single-document updates.

The store's view of time is the primary's clock (`hello` answers `localTime`), read just before
the update, so processes on hosts whose clocks differ agree on when a lease expires. A renewal
is one `find_one_and_update` on `{_id, holder: me, expires > now}`; a take is an upsert on
`{_id, holder: me or expires <= now}`, and when the lease is someone else's that upsert fails
with a duplicate key on `_id` (MongoDB) or matches nothing (the test server): either way the
lease stands as it is and is read back. Two processes upserting a missing lease at once: one
inserts, the other's insert fails on `_id`, so exactly one takes it.
"""

from __future__ import annotations

from datetime import UTC, datetime

from pymongo import ReadPreference, ReturnDocument
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from service.model.clock import to_ms
from service.model.leases import Lease
from service.store.mongo import schema
from service.store.mongo.client import Doc, driver_errors
from service.store.mongo.connection import MongoConnection


class MongoLeases:
    """Leases shared by every process on one database."""

    def __init__(self, conn: MongoConnection) -> None:
        self._conn = conn

    def _leases(self) -> AsyncCollection[Doc]:
        return self._conn.coll(schema.LEASES).with_options(read_preference=ReadPreference.PRIMARY)

    async def _now_ms(self) -> int:
        """The primary's clock."""
        hello = await self._conn.db.command("hello")
        local: datetime = hello["localTime"]
        return to_ms(local if local.tzinfo is not None else local.replace(tzinfo=UTC))

    @driver_errors("take a lease")
    async def acquire_lease(self, name: str, holder: str, ttl_ms: int) -> Lease:
        coll = self._leases()
        now = await self._now_ms()
        doc = await coll.find_one_and_update(
            {"_id": name, "holder": holder, "expires": {"$gt": now}},
            {"$set": {"expires": now + ttl_ms}},
            return_document=ReturnDocument.AFTER,
        )
        if doc is None:
            try:
                doc = await coll.find_one_and_update(
                    {"_id": name, "$or": [{"holder": holder}, {"expires": {"$lte": now}}]},
                    {
                        "$set": {"holder": holder, "expires": now + ttl_ms},
                        "$inc": {"generation": 1},
                    },
                    upsert=True,
                    return_document=ReturnDocument.AFTER,
                )
            except DuplicateKeyError:
                doc = None
        if doc is None:
            doc = await coll.find_one({"_id": name})
        assert doc is not None  # a lease document is never deleted
        return _lease(doc, now)

    @driver_errors("release a lease")
    async def release_lease(self, name: str, holder: str) -> None:
        await self._leases().update_one({"_id": name, "holder": holder}, {"$set": {"expires": 0}})

    @driver_errors("read a lease")
    async def read_lease(self, name: str) -> Lease | None:
        doc = await self._leases().find_one({"_id": name})
        return None if doc is None else _lease(doc, await self._now_ms())


def _lease(doc: Doc, now_ms: int) -> Lease:
    return Lease(
        str(doc["_id"]), str(doc["holder"]), int(doc["expires"]) - now_ms, int(doc["generation"])
    )

"""MongoDB's QuotaStore: a GCRA arrival time per key, moved by conditional single-document updates.

`$max` first brings the arrival time up to now; then one `find_one_and_update` admits the
request only if the arrival time is within the tolerance, moving it on by one interval. Both
are atomic on the server, so processes on any number of hosts share one budget (their clocks
should agree to well under one interval).
"""

from __future__ import annotations

from pymongo.errors import DuplicateKeyError

from service.store.mongo import schema
from service.store.mongo.client import driver_errors
from service.store.mongo.connection import MongoConnection


class MongoQuotas:
    """Request-rate quotas shared by every process on one database."""

    def __init__(self, conn: MongoConnection) -> None:
        self._conn = conn

    @driver_errors("check a rate quota")
    async def take(self, key: str, now_ms: float, interval_ms: float, tolerance_ms: float) -> float:
        coll = self._conn.coll(schema.QUOTAS)
        try:
            await coll.update_one({"_id": key}, {"$max": {"tat": now_ms}}, upsert=True)
        except DuplicateKeyError:  # created by another process at the same moment
            await coll.update_one({"_id": key}, {"$max": {"tat": now_ms}})
        admitted = await coll.find_one_and_update(
            {"_id": key, "tat": {"$lte": now_ms + tolerance_ms}}, {"$inc": {"tat": interval_ms}}
        )
        if admitted is not None:
            return 0.0
        current = await coll.find_one({"_id": key})
        arrival = float(current["tat"]) if current is not None else now_ms
        return max(arrival - now_ms - tolerance_ms, 1.0)

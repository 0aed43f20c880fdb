"""MongoDB's FeedStore: committed statements up to the low-water mark, and tombstones.

Batches reserve their sequence numbers, then insert, then commit: a batch holding lower
numbers may commit after one holding higher numbers. A cursor that followed the highest
visible `seq` would pass over the slower batch for good. The feed therefore reads only up to
`batches.low_water`: just below the first number of the oldest batch still pending, which no
later commit can go below (see `batches`).
"""

from __future__ import annotations

from pymongo import ASCENDING

from service.model.clock import now_ms
from service.model.feed import FeedStatement, FeedStatements, Tombstone
from service.store.mongo import batches, schema
from service.store.mongo.batch_recovery import recover
from service.store.mongo.batches import counter_id
from service.store.mongo.client import Doc, driver_errors
from service.store.mongo.connection import ORPHAN_AFTER_TIMEOUTS, MongoConnection
from service.store.mongo.tombstones import feed_tombstones


class MongoFeed:
    """The change feed's reads (issue 19)."""

    def __init__(self, conn: MongoConnection) -> None:
        self._conn = conn

    @driver_errors("read the change feed")
    async def feed_statements(self, tenant: str, after_seq: int, limit: int) -> FeedStatements:
        db = self._conn.db
        counters = db[schema.COUNTERS]
        counter = await counters.find_one({"_id": counter_id(tenant)})
        orphan_after_ms = ORPHAN_AFTER_TIMEOUTS * self._conn.options.timeout_ms
        if batches.stale(counter, batches.PENDING, orphan_after_ms):
            # a writer died with its batch pending: finish it (as the next writer would), or
            # the mark would wait for it until someone writes to the tenant again
            await recover(db, tenant, counter, orphan_after_ms)
            counter = await counters.find_one({"_id": counter_id(tenant)})
        through = batches.low_water(counter)
        if through is None or through <= after_seq:
            return FeedStatements([], after_seq)
        coll = db[schema.STATEMENTS]
        where = {"t": tenant, "seq": {"$gt": after_seq, "$lte": through}}
        projection = {"seq": 1, "id": 1, "body": 1, "voids": 1, "ot": 1}
        docs = await coll.find(where, projection).sort("seq", ASCENDING).limit(limit).to_list()
        targets = sorted({doc["voids"] for doc in docs if doc.get("voids")})
        target_seqs: dict[str, int] = {}
        if targets:
            found = coll.find({"t": tenant, "id": {"$in": targets}}, {"id": 1, "seq": 1})
            target_seqs = {doc["id"]: int(doc["seq"]) async for doc in found}
        plain = [doc["id"] for doc in docs if not doc.get("voids")]
        voiders: dict[str, tuple[str, int]] = {}
        if plain:
            found = coll.find(
                {"t": tenant, "voids": {"$in": plain}, "seq": {"$lte": through}},
                {"id": 1, "seq": 1, "voids": 1},
            )
            async for doc in found:
                known = voiders.get(doc["voids"])
                if known is None or int(doc["seq"]) < known[1]:
                    voiders[doc["voids"]] = (doc["id"], int(doc["seq"]))
        rows = [_row(doc, target_seqs, voiders) for doc in docs]
        return FeedStatements(rows, through)

    @driver_errors("read the change feed")
    async def feed_tombstones(self, tenant: str, after_id: int, limit: int) -> list[Tombstone]:
        return await feed_tombstones(self._conn.db, tenant, after_id, limit, now_ms())


def _row(
    doc: Doc, target_seqs: dict[str, int], voiders: dict[str, tuple[str, int]]
) -> FeedStatement:
    seq = int(doc["seq"])
    voids = doc.get("voids") or None
    voider = voiders.get(doc["id"])
    return FeedStatement(
        seq=seq,
        statement_id=doc["id"],
        body=bytes(doc["body"]),
        voids=voids,
        voids_seq=target_seqs.get(voids) if voids else None,
        voided_by=voider if voider is not None and voider[1] < seq else None,
        original_timestamp=doc.get("ot"),
    )

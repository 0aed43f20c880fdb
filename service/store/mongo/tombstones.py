"""Tombstones of deleted and pseudonymised statements, numbered per tenant for the change feed.

Numbers come from the counter `tombstones:<tenant>` in blocks, before the documents are
inserted: two writers may insert out of order for a moment, so the feed reads up to the first
gap in the numbers, and passes a gap only once the tombstone after it is older than
GAP_GRACE_MS (a writer that died between reserving and inserting leaves a gap for good).
"""

from __future__ import annotations

import contextlib

from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from service.model.feed import Tombstone
from service.store.mongo import schema
from service.store.mongo.client import Doc
from service.store.mongo.sequence import bump

GAP_GRACE_MS = 60_000


def _counter(tenant: str) -> str:
    return f"tombstones:{tenant}"


async def record_tombstones(
    db: AsyncDatabase[Doc],
    tenant: str,
    statements: list[tuple[str, int, str]],
    *,
    reason: str,
    now_ms: int,
) -> None:
    """Keep (statement id, seq, deleted|pseudonymised) of each changed statement: ids only,
    never who the statement was about."""
    if not statements:
        return
    counters, name = db[schema.COUNTERS], _counter(tenant)
    newest = await db[schema.TOMBSTONES].find_one(
        {"tenant": tenant}, {"n": 1}, sort=[("n", DESCENDING)]
    )
    # numbers stay above those of tombstones written before they were per tenant; a
    # DuplicateKeyError means another process created the counter at the same moment
    with contextlib.suppress(DuplicateKeyError):
        await counters.update_one(
            {"_id": name}, {"$max": {"seq": int(newest["n"]) if newest else 0}}, upsert=True
        )
    doc = await bump(counters, name, {"$inc": {"seq": len(statements)}})
    first = int(doc["seq"]) - len(statements) + 1
    await db[schema.TOMBSTONES].insert_many(
        [
            {
                "tenant": tenant,
                "n": first + i,
                "statement_id": statement_id,
                "seq": seq,
                "action": action,
                "deleted": now_ms,
                "reason": reason,
            }
            for i, (statement_id, seq, action) in enumerate(statements)
        ]
    )


async def feed_tombstones(
    db: AsyncDatabase[Doc], tenant: str, after: int, limit: int, now_ms: int
) -> list[Tombstone]:
    """Tombstones numbered above `after`, up to the first gap still within its grace."""
    where = {"tenant": tenant, "n": {"$gt": after}}
    docs = await db[schema.TOMBSTONES].find(where).sort("n", ASCENDING).limit(limit).to_list()
    ready: list[Doc] = []
    expected = after + 1
    for doc in docs:
        if int(doc["n"]) != expected and int(doc["deleted"]) > now_ms - GAP_GRACE_MS:
            break
        ready.append(doc)
        expected = int(doc["n"]) + 1
    redacted = [doc["statement_id"] for doc in ready if doc.get("action") == "pseudonymised"]
    bodies: dict[str, bytes] = {}
    if redacted:
        found = db[schema.STATEMENTS].find(
            {"t": tenant, "id": {"$in": redacted}}, {"id": 1, "body": 1}
        )
        bodies = {doc["id"]: bytes(doc["body"]) async for doc in found}
    return [
        Tombstone(
            id=int(doc["n"]),
            statement_id=doc["statement_id"],
            seq=int(doc.get("seq", 0)),
            action="pseudonymised" if doc.get("action") == "pseudonymised" else "deleted",
            reason=str(doc.get("reason", "retention")),
            at_ms=int(doc["deleted"]),
            body=bodies.get(doc["statement_id"]),
        )
        for doc in ready
    ]

"""Tombstones of deleted and pseudonymised statements, numbered per tenant for the change feed
from the counter `tombstones:<tenant>` (see `numbered_log` for how numbers and gaps work)."""

from __future__ import annotations

import contextlib

from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from service.model.feed import Tombstone
from service.store.mongo import schema
from service.store.mongo.client import Doc
from service.store.mongo.numbered_log import reserve, up_to_gap


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
    first = await reserve(db, name, len(statements))
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
    ready = up_to_gap(docs, after, now_ms, "n", "deleted")
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

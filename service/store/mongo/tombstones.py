"""Tombstones of deleted and pseudonymised statements and of erased learners' attainment
changes, numbered per tenant for the change feed from the counter `tombstones:<tenant>` (see
`numbered_log` for how numbers and gaps work)."""

from __future__ import annotations

import contextlib

from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from service.model.feed import Tombstone, TombstoneAction
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
    await _record(
        db,
        tenant,
        [
            {"statement_id": statement_id, "seq": seq, "action": action, "reason": reason}
            for statement_id, seq, action in statements
        ],
        now_ms,
    )


async def record_change_tombstones(
    db: AsyncDatabase[Doc], tenant: str, changes: list[tuple[int, int]], now_ms: int
) -> None:
    """Keep (change id, seq) of each attainment change an erasure deleted: the change's
    number only, never whose it was."""
    await _record(
        db,
        tenant,
        [
            {"change_id": n, "seq": seq, "action": "attainment_deleted", "reason": "erasure"}
            for n, seq in changes
        ],
        now_ms,
    )


async def _record(db: AsyncDatabase[Doc], tenant: str, entries: list[Doc], now_ms: int) -> None:
    if not entries:
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
    first = await reserve(db, name, len(entries))
    await db[schema.TOMBSTONES].insert_many(
        [
            {**entry, "tenant": tenant, "n": first + i, "deleted": now_ms}
            for i, entry in enumerate(entries)
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
            statement_id=doc.get("statement_id"),
            seq=int(doc.get("seq", 0)),
            action=_ACTIONS.get(str(doc.get("action")), "deleted"),
            reason=str(doc.get("reason", "retention")),
            at_ms=int(doc["deleted"]),
            body=bodies.get(doc.get("statement_id", "")),
            change_id=doc.get("change_id"),
        )
        for doc in ready
    ]


_ACTIONS: dict[str, TombstoneAction] = {
    "pseudonymised": "pseudonymised",
    "attainment_deleted": "attainment_deleted",
}

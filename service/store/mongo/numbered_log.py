"""Per-tenant logs numbered for the change feed: tombstones and attainment changes.

Numbers come from a counter in blocks, reserved before the documents are inserted: two writers
may insert out of order for a moment, so a reader takes entries up to the first gap in the
numbers, and passes a gap only once the entry after it is older than GAP_GRACE_MS (a writer
that died between reserving and inserting leaves a gap for good).
"""

from __future__ import annotations

from collections.abc import Iterable

from pymongo.asynchronous.database import AsyncDatabase

from service.store.mongo import schema
from service.store.mongo.client import Doc
from service.store.mongo.sequence import bump

GAP_GRACE_MS = 60_000


async def reserve(db: AsyncDatabase[Doc], counter: str, count: int) -> int:
    """The first of `count` consecutive numbers no other writer gets."""
    doc = await bump(db[schema.COUNTERS], counter, {"$inc": {"seq": count}})
    return int(doc["seq"]) - count + 1


def up_to_gap(docs: Iterable[Doc], after: int, now_ms: int, number: str, at: str) -> list[Doc]:
    """The entries (sorted by `number`, all above `after`) a reader may show now: those before
    the first gap still within its grace (`at` is when each entry was written)."""
    ready: list[Doc] = []
    expected = after + 1
    for doc in docs:
        if int(doc[number]) != expected and int(doc[at]) > now_ms - GAP_GRACE_MS:
            break
        ready.append(doc)
        expected = int(doc[number]) + 1
    return ready

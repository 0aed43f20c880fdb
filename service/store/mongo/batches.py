"""Which statement batches are committed: one marker per batch in its tenant's counter document.

A batch is all-or-nothing without multi-document transactions. Its statement documents carry
the batch's token in `p`; the tenant's counter document (see `sequence`) lists the tokens of
batches not yet committed under `pending` and of committed batches still settling voiding and
references under `settling`. The token enters `pending` in the same atomic update that reserves
the batch's sequence numbers, and leaves it in the one atomic update that commits the batch
(moving it to `settling`); right after the reservation the marker also records the batch's
last number (`last`), so the change feed keeps its cursor below every batch still pending
(`low_water`). A reader takes a `Snapshot` of that document before it reads
statements and shows a statement only when its `seq` was reserved by then and its batch was not
pending then. Every batch therefore appears whole or not at all, to every reader, at every
moment, also after a crash:

- a batch that died before its commit stays invisible; once older than the orphan age, the next
  writer of the tenant (or the forwarder) deletes its outbox rows and statements and drops it;
- a batch that died after its commit is visible; the next writer settles its voiding and
  references again (every step is idempotent) and drops it from `settling`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase

from service.model.clock import now_ms
from service.store.mongo import schema
from service.store.mongo.client import Doc

PENDING = "pending"
LAST = "last"  # in a pending marker: the batch's last sequence number
SETTLING = "settling"
COUNTER_PREFIX = "statements:"


def counter_id(tenant: str) -> str:
    """The `_id` of a tenant's statement counter document."""
    return f"{COUNTER_PREFIX}{tenant}"


@dataclass(frozen=True, slots=True)
class Snapshot:
    """What a reader may show: `seq` up to `high`, except statements of `hidden` batches."""

    high: int
    hidden: frozenset[str]

    @classmethod
    def of(cls, counter: Doc | None) -> Snapshot:
        if counter is None:
            return cls(high=0, hidden=frozenset())
        return cls(high=int(counter.get("seq", 0)), hidden=frozenset(counter.get(PENDING) or {}))

    def where(self, high: int | None = None) -> Doc:
        """Filter fields for statement documents visible in this snapshot (at most `high`)."""
        limit = self.high if high is None else min(high, self.high)
        where: Doc = {"seq": {"$lte": limit}}
        if self.hidden:
            where["p"] = {"$nin": sorted(self.hidden)}
        return where

    def visible(self, doc: Doc) -> bool:
        return int(doc["seq"]) <= self.high and doc["p"] not in self.hidden


async def snapshot(db: AsyncDatabase[Doc], tenant: str) -> Snapshot:
    """The tenant's committed statements as of now (read before the statements themselves)."""
    return Snapshot.of(await db[schema.COUNTERS].find_one({"_id": counter_id(tenant)}))


def low_water(counter: Doc | None) -> int | None:
    """The change feed's low-water mark: the largest `seq` at or below which every number is
    settled for good (its batch committed, or aborted, or it went to another batch that did).

    A batch with a lower `seq` may commit after one with a higher `seq`, so the high-water
    `seq` is not enough: while a batch is pending, the mark stays just below its first number.
    None while a pending batch's numbers are not yet recorded (for the moment between its
    reservation and `record_range`, or until a writer that died then is recovered).
    """
    if counter is None:
        return 0
    through = int(counter.get("seq", 0))
    for entry in (counter.get(PENDING) or {}).values():
        if LAST not in entry:
            return None
        through = min(through, int(entry[LAST]) - int(entry["n"]))
    return through


async def record_range(counters: AsyncCollection[Doc], tenant: str, token: str, last: int) -> None:
    """Note the last number reserved by a pending batch in its marker (for `low_water`)."""
    await counters.update_one(
        {"_id": counter_id(tenant), f"{PENDING}.{token}": {"$exists": True}},
        {"$set": {f"{PENDING}.{token}.{LAST}": last}},
    )


def pending_entry(token: str, count: int) -> Doc:
    """The `$set` that marks a batch pending, joined to the update reserving its numbers."""
    return {f"{PENDING}.{token}": {"at": now_ms(), "n": count}}


async def commit(db: AsyncDatabase[Doc], tenant: str, token: str) -> bool:
    """The batch's commit point: pending to settling in one update. False when it was no longer
    pending (judged dead by another process and removed): then nothing of it is stored."""
    result = await db[schema.COUNTERS].update_one(
        {"_id": counter_id(tenant), f"{PENDING}.{token}": {"$exists": True}},
        {"$unset": {f"{PENDING}.{token}": ""}, "$set": {f"{SETTLING}.{token}": {"at": now_ms()}}},
    )
    return result.modified_count == 1


async def settled(db: AsyncDatabase[Doc], tenant: str, token: str) -> None:
    """The committed batch's voiding and references are settled: forget its marker."""
    await db[schema.COUNTERS].update_one(
        {"_id": counter_id(tenant)}, {"$unset": {f"{SETTLING}.{token}": ""}}
    )


async def abort(db: AsyncDatabase[Doc], tenant: str, token: str) -> None:
    """Delete what a batch that never committed wrote (outbox rows first), then its marker.

    While the marker exists the statements stay invisible, so a reader never sees part of it.
    """
    statements = db[schema.STATEMENTS]
    seqs = [doc["seq"] async for doc in statements.find({"t": tenant, "p": token}, {"seq": 1})]
    if seqs:
        await db[schema.OUTBOX].delete_many({"tenant": tenant, "seq": {"$in": seqs}})
        await statements.delete_many({"t": tenant, "p": token})
    await db[schema.COUNTERS].update_one(
        {"_id": counter_id(tenant)}, {"$unset": {f"{PENDING}.{token}": ""}}
    )


def stale(counter: Doc | None, part: str, older_than_ms: int, own: str = "") -> list[str]:
    """Tokens under `part` whose batch began more than `older_than_ms` ago (other than `own`)."""
    entries: dict[str, Any] = (counter or {}).get(part) or {}
    cutoff = now_ms() - older_than_ms
    return sorted(t for t, e in entries.items() if t != own and int(e.get("at", 0)) < cutoff)

"""The statements evaluation reads: everything after a cursor that can never change behind it.

Evaluation keeps one cursor per map version: the last `seq` it evaluated. Sequence numbers are
reserved before a batch's documents are inserted and batches commit in any order (see
`batches`), so "the committed statements after the cursor" is not enough: a batch reserving
5..7 may commit after one reserving 8..10, and a cursor moved to 10 would skip 5..7 for ever.
A committed batch whose voiding is not settled yet (`settling`) is not enough either: its
target statements do not carry their `voided` flag yet, and a page holding both a target and
its voiding statement would count the target.

So evaluation reads only up to the evaluation bound: the snapshot's `high`, lowered to just
below the first number any batch still pending or settling may hold. A batch's documents carry
its token and its marker the count `n`: a batch whose lowest document is `low` holds nothing
below `low - n + 1`. A pending batch with no document yet (between its reservation and its
insert) may hold any number up to `high`, so nothing past the cursor is read until it has
inserted, committed or been judged dead. Statements below the bound never change their
visibility again, so the cursor never passes a statement that appears later. A batch marked
longer than the orphan age died with its process: it is recovered here (aborted or settled,
idempotently, as every writer does) so that it does not hold evaluation back.
"""

from __future__ import annotations

from collections.abc import Set as AbstractSet

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase

from service.model.outcomes import SeqStatement
from service.store.mongo import batches, schema
from service.store.mongo.batch_recovery import recover
from service.store.mongo.client import Doc


def _marked(counter: Doc | None) -> dict[str, int]:
    """Token -> statement count of every batch pending or settling."""
    out: dict[str, int] = {}
    for part in (batches.PENDING, batches.SETTLING):
        for token, entry in ((counter or {}).get(part) or {}).items():
            out[token] = int((entry or {}).get("n", 1))
    return out


async def evaluation_bound(
    db: AsyncDatabase[Doc], tenant: str, after_seq: int, orphan_after_ms: int
) -> tuple[int, frozenset[str]]:
    """The highest `seq` evaluation may read now, and the batches whose statements to leave
    out (see the module docstring)."""
    counters = db[schema.COUNTERS]
    counter = await counters.find_one({"_id": batches.counter_id(tenant)})
    if _marked(counter) and (
        batches.stale(counter, batches.PENDING, orphan_after_ms)
        or batches.stale(counter, batches.SETTLING, orphan_after_ms)
    ):
        await recover(db, tenant, counter, orphan_after_ms)
        counter = await counters.find_one({"_id": batches.counter_id(tenant)})
    snap = batches.Snapshot.of(counter)
    marked = _marked(counter)
    if not marked:
        return snap.high, snap.hidden
    lows: dict[str, int] = {}
    pipeline: list[Doc] = [
        {"$match": {"t": tenant, "p": {"$in": sorted(marked)}}},
        {"$group": {"_id": "$p", "low": {"$min": "$seq"}}},
    ]
    async for row in await db[schema.STATEMENTS].aggregate(pipeline):
        lows[str(row["_id"])] = int(row["low"])
    bound = snap.high
    pending = (counter or {}).get(batches.PENDING) or {}
    for token, count in marked.items():
        if token in lows:
            bound = min(bound, lows[token] - count)
        elif token in pending:  # numbers reserved, documents not inserted yet
            bound = min(bound, after_seq)
    return bound, snap.hidden | frozenset(marked)


async def read_after(
    db: AsyncDatabase[Doc],
    tenant: str,
    after_seq: int,
    limit: int,
    known: AbstractSet[int],
    orphan_after_ms: int,
) -> list[SeqStatement]:
    """Statements after `after_seq` up to the evaluation bound, in `seq` order; those in
    `known` without their body."""
    bound, hidden = await evaluation_bound(db, tenant, after_seq, orphan_after_ms)
    if bound <= after_seq:
        return []
    where: Doc = {"t": tenant, "seq": {"$gt": after_seq, "$lte": bound}}
    if hidden:
        where["p"] = {"$nin": sorted(hidden)}
    coll = db[schema.STATEMENTS]
    fields: Doc = {"_id": 0, "seq": 1, "voided": 1}
    if not known:
        fields["body"] = 1
    docs = await coll.find(where, fields).sort("seq", ASCENDING).limit(limit).to_list()
    bodies: dict[int, bytes] = {}
    if known:
        missing = [int(doc["seq"]) for doc in docs if int(doc["seq"]) not in known]
        if missing:
            found = coll.find(
                {"t": tenant, "seq": {"$in": missing}}, {"_id": 0, "seq": 1, "body": 1}
            )
            bodies = {int(doc["seq"]): doc["body"] async for doc in found}
    return [
        SeqStatement(
            int(doc["seq"]),
            doc["body"] if "body" in doc else bodies.get(int(doc["seq"])),
            bool(doc["voided"]),
        )
        for doc in docs
    ]


async def count_after(db: AsyncDatabase[Doc], tenant: str, after_seq: int) -> int:
    """Committed statements after `after_seq` (those evaluation has still to read)."""
    snap = await batches.snapshot(db, tenant)
    where = {"t": tenant, **snap.where()}
    where["seq"] = {"$gt": after_seq, **where["seq"]}
    return await db[schema.STATEMENTS].count_documents(where)

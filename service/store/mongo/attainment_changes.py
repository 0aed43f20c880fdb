"""The attainments an evaluation step wrote and withdrew, numbered per tenant for the change
feed from the counter `attainments:<tenant>` (see `numbered_log` for numbers and gaps).

A step repeated after a crash (its cursor was not written) logs the same changes again: each
entry's `_id` is the step's content digest with its place in the step, so the repeat's
inserts are refused as duplicates and only leave a gap in the numbers, which the feed passes
once its grace is over. No change is shown twice.

Erasing a learner hides their changes from the feed (`gone`), leaves a tombstone per change
number, then strips the learner and outcome from them. The stripped entries keep their number,
so a reader sees no gap to wait on; an erasure interrupted anywhere is completed by running it
again (a tombstone may then be written twice, which a warehouse applies to the same effect).
"""

from __future__ import annotations

import hashlib

import orjson
from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError

from service.model.outcomes import AttainmentChange, OutcomeChanges
from service.store.mongo import outcome_schema as o
from service.store.mongo import schema
from service.store.mongo.client import Doc
from service.store.mongo.numbered_log import reserve, up_to_gap
from service.store.mongo.tombstones import record_change_tombstones

_DUPLICATE_KEY = 11000


def _entries(changes: OutcomeChanges) -> list[Doc]:
    return [
        {
            "k": c.kind,
            "o": c.outcome,
            "l": c.learner,
            "lv": c.level,
            "ec": c.evidence_count,
            "at": c.attained_ms,
        }
        for c in changes.logged_changes()
    ]


async def record_attainment_changes(
    db: AsyncDatabase[Doc], tenant: str, changes: OutcomeChanges, now_ms: int
) -> None:
    """Log the step's attainments and retractions (before its cursor is written)."""
    entries = _entries(changes)
    if not entries:
        return
    digest = hashlib.sha256(orjson.dumps(entries, option=orjson.OPT_SORT_KEYS)).hexdigest()
    first = await reserve(db, f"attainments:{tenant}", len(entries))
    docs = [
        {
            **entry,
            "_id": o.key(tenant, changes.version, changes.cursor, digest, i),
            "t": tenant,
            "n": first + i,
            "v": changes.version,
            "seq": changes.cursor,
            "w": now_ms,
        }
        for i, entry in enumerate(entries)
    ]
    try:
        await db[schema.ATTAINMENT_CHANGES].insert_many(docs, ordered=False)
    except BulkWriteError as error:
        if any(e.get("code") != _DUPLICATE_KEY for e in error.details.get("writeErrors", [])):
            raise


async def attainment_changes(
    db: AsyncDatabase[Doc], tenant: str, after: int, limit: int, now_ms: int
) -> list[AttainmentChange]:
    """Changes numbered above `after`, up to the first gap still within its grace; erased
    ones are passed over."""
    shown: list[AttainmentChange] = []
    while len(shown) < limit:
        found = db[schema.ATTAINMENT_CHANGES].find({"t": tenant, "n": {"$gt": after}})
        docs = await found.sort("n", ASCENDING).limit(limit).to_list()
        ready = up_to_gap(docs, after, now_ms, "n", "w")
        shown += [_change(doc) for doc in ready if not doc.get("gone")][: limit - len(shown)]
        if len(ready) < limit:
            break
        after = int(ready[-1]["n"])
    return shown


def _change(doc: Doc) -> AttainmentChange:
    return AttainmentChange(
        id=int(doc["n"]),
        kind=doc["k"],
        version=int(doc["v"]),
        outcome=doc["o"],
        learner=doc["l"],
        level=doc.get("lv"),
        evidence_count=doc.get("ec"),
        attained_ms=doc.get("at"),
        seq=int(doc["seq"]),
        at_ms=int(doc["w"]),
    )


async def delete_learner_changes(
    db: AsyncDatabase[Doc], tenant: str, learner: str, now_ms: int
) -> None:
    """Replace the learner's attainment changes by tombstones that name only their numbers."""
    changes = db[schema.ATTAINMENT_CHANGES]
    mine = {"t": tenant, "l": learner}
    await changes.update_many(mine, {"$set": {"gone": True}})
    docs = await changes.find(mine, {"n": 1, "seq": 1}).sort("n", ASCENDING).to_list()
    await record_change_tombstones(db, tenant, [(int(d["n"]), int(d["seq"])) for d in docs], now_ms)
    await changes.update_many(mine, {"$unset": {"l": "", "o": "", "lv": "", "ec": "", "at": ""}})

"""Stints on MongoDB: a learner's unbroken time in one unit of one roster field, derived from
the learner's roster history whenever it changes (as `sqlite/outcome_stints`), so reports group
them in one aggregation.

A learner's consecutive history entries with the same value of a field are one stint.
"""

from __future__ import annotations

from itertools import groupby

from pymongo import ASCENDING, ReplaceOne
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase

from service.model.outcomes import ROSTER_FIELDS
from service.store.mongo import outcome_schema as o
from service.store.mongo.client import Doc

_CHUNK = 2000  # learners restinted per round trip


def stints(tenant: str, history: list[Doc]) -> list[Doc]:
    """The stint documents of one learner's history entries (oldest first)."""
    out: list[Doc] = []
    for field in ROSTER_FIELDS:
        current: Doc | None = None
        for entry in history:
            unit = entry.get(field)
            joined = current is not None and current["to"] == entry["from"] and current["u"] == unit
            if joined and current is not None:
                current["to"] = entry["to"]
                continue
            if current is not None and current["u"] is not None:
                out.append(current)
            current = {"f": field, "u": unit, "from": entry["from"], "to": entry["to"]}
        if current is not None and current["u"] is not None:
            out.append(current)
    for stint in out:
        stint.update(t=tenant, l=history[0]["l"])
        stint["_id"] = o.key(tenant, stint["f"], stint["l"], stint["from"])
    return out


async def restint(db: AsyncDatabase[Doc], tenant: str, learners: list[str] | None) -> None:
    """Derive the stints of the tenant's learners (all of them for None) afresh from their
    roster history. Idempotent: a repeat after a crash derives the same documents."""
    roster, stint_coll = db[o.ROSTER], db[o.STINTS]
    if learners is None:
        await stint_coll.delete_many({"t": tenant})
        everyone = roster.find({"t": tenant}).sort([("l", ASCENDING), ("from", ASCENDING)])
        await _insert(stint_coll, tenant, [doc async for doc in everyone])
        return
    for start in range(0, len(learners), _CHUNK):
        chunk = learners[start : start + _CHUNK]
        await stint_coll.delete_many({"t": tenant, "l": {"$in": chunk}})
        found = roster.find({"t": tenant, "l": {"$in": chunk}})
        history = await found.sort([("l", ASCENDING), ("from", ASCENDING)]).to_list()
        await _insert(stint_coll, tenant, history)


async def _insert(coll: AsyncCollection[Doc], tenant: str, history: list[Doc]) -> None:
    docs: list[Doc] = []
    for _learner, entries in groupby(history, key=lambda doc: doc["l"]):
        docs.extend(stints(tenant, list(entries)))
    for start in range(0, len(docs), _CHUNK * 4):
        chunk = docs[start : start + _CHUNK * 4]
        await coll.bulk_write([ReplaceOne({"_id": d["_id"]}, d, upsert=True) for d in chunk])

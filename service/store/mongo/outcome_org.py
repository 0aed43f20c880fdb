"""MongoDB's OrgDataStore: the roster with its history, and KPI observations.

The roster is its history (`outcome_roster`): the current roster is the entries still open
(`to` is `OPEN`), so there is no second copy to keep in step. An import effective at E ends the
uploaded learners' entries at E (those of everyone, when it replaces the roster) and starts the
new ones there; entries before E stay as they were (as `sqlite/outcome_org`).

Without a transaction an import is a sequence of idempotent steps: delete the entries from E
on, end the open ones at E, upsert the new ones (keyed by learner and E), derive the stints of
every learner it concerns. An import that died half way is finished by sending it again: the
learners already placed compare equal and are left alone, the others are placed, and the
stints are derived again for all of them. (An import without a date that died half way took
effect "from the beginning" only if it was the tenant's first; sent again it takes effect now,
as a second import would.)
"""

from __future__ import annotations

from pymongo import ASCENDING, ReplaceOne
from pymongo.asynchronous.database import AsyncDatabase

from service.model.outcomes import (
    BEGINNING_MS,
    ROSTER_FIELDS,
    KpiObservation,
    RosterEntry,
    RosterImport,
    UnitRange,
)
from service.store.mongo import outcome_schema as o
from service.store.mongo.client import Doc, driver_errors
from service.store.mongo.connection import MongoConnection
from service.store.mongo.outcome_stints import restint

_CHUNK = 5000


class MongoOrgData:
    """Roster entries, their history and KPI observations of each tenant."""

    def __init__(self, conn: MongoConnection) -> None:
        self._conn = conn

    @driver_errors("store the roster")
    async def put_roster(
        self, tenant: str, entries: list[RosterEntry], *, replace: bool, effective: RosterImport
    ) -> int:
        db = self._conn.db
        unique = list({e.learner: e for e in entries}.values())  # the last entry of a learner wins
        await _date_history(db, tenant, unique, replace, effective)
        await restint(db, tenant, None if replace else [e.learner for e in unique])
        return len(entries)

    @driver_errors("read the roster")
    async def get_roster(self, tenant: str, after: str | None, limit: int) -> list[RosterEntry]:
        found = self._conn.coll(o.ROSTER).find(
            {"t": tenant, "to": o.OPEN, "l": {"$gt": after or ""}}
        )
        docs = await found.sort("l", ASCENDING).limit(limit).to_list()
        return [o.roster_entry(doc) for doc in docs]

    @driver_errors("read a roster history")
    async def roster_history(self, tenant: str, learner: str) -> list[RosterEntry]:
        found = self._conn.coll(o.ROSTER).find({"t": tenant, "l": learner}).sort("from", ASCENDING)
        return [o.roster_entry(doc) async for doc in found]

    @driver_errors("read the org units")
    async def unit_ranges(self, tenant: str) -> list[UnitRange]:
        """One aggregation per roster field: its distinct (unit, from, to) keys."""
        coll = self._conn.coll(o.ROSTER)
        ranges: set[UnitRange] = set()
        for field in ROSTER_FIELDS:
            async for row in await coll.aggregate(unit_range_pipeline(tenant, field)):
                ranges.add(parse_range(str(row["_id"])))
        return sorted(ranges, key=lambda r: (r.unit, r.from_ms, r.to_ms or o.OPEN))

    @driver_errors("store KPI observations")
    async def put_kpi_observations(
        self, tenant: str, observations: list[KpiObservation], *, replace: bool
    ) -> int:
        coll = self._conn.coll(o.KPIS)
        if replace:
            await coll.delete_many({"t": tenant})
        docs = [
            {
                "_id": o.key(tenant, obs.kpi, obs.org_unit, obs.period),
                "t": tenant,
                "kpi": obs.kpi,
                "unit": obs.org_unit,
                "period": obs.period,
                "value": obs.value,
            }
            for obs in observations
        ]
        for start in range(0, len(docs), _CHUNK):
            chunk = docs[start : start + _CHUNK]
            await coll.bulk_write([ReplaceOne({"_id": d["_id"]}, d, upsert=True) for d in chunk])
        return len(observations)

    @driver_errors("read KPI observations")
    async def get_kpi_observations(self, tenant: str) -> list[KpiObservation]:
        found = self._conn.coll(o.KPIS).find({"t": tenant})
        order = [("kpi", ASCENDING), ("unit", ASCENDING), ("period", ASCENDING)]
        return [
            KpiObservation(doc["kpi"], doc["unit"], doc["period"], float(doc["value"]))
            async for doc in found.sort(order)
        ]


def unit_range_pipeline(tenant: str, field: str) -> list[Doc]:
    """Distinct (from, to, unit) of the roster entries with a value in `field`, grouped by a
    key computed first (a field path: both MongoDB and the test server group by it alike)."""
    return [
        {"$match": {"t": tenant, field: {"$type": "string"}}},
        {
            "$addFields": {
                "k": {
                    "$concat": [{"$toString": "$from"}, "|", {"$toString": "$to"}, "|", f"${field}"]
                }
            }
        },
        {"$group": {"_id": "$k"}},
    ]


def parse_range(k: str) -> UnitRange:
    start, end, unit = k.split("|", 2)
    return UnitRange(unit, int(start), None if int(end) == o.OPEN else int(end))


async def _date_history(
    db: AsyncDatabase[Doc],
    tenant: str,
    entries: list[RosterEntry],
    replace: bool,
    effective: RosterImport,
) -> None:
    """End the affected learners' entries at the effective instant and start the uploaded
    ones there; an uploaded entry equal to the one already open is left open as it is."""
    roster = db[o.ROSTER]
    at = effective.at_ms
    if not effective.explicit and await roster.find_one({"t": tenant}, {"_id": 1}) is None:
        at = BEGINNING_MS
    learners = [e.learner for e in entries]
    open_values: dict[str, tuple[str | None, ...]] = {}
    for start in range(0, len(learners), _CHUNK):
        found = roster.find(
            {
                "t": tenant,
                "to": o.OPEN,
                "from": {"$lte": at},
                "l": {"$in": learners[start : start + _CHUNK]},
            }
        )
        async for doc in found:
            open_values[doc["l"]] = o.roster_values(doc)
    changed = [e for e in entries if open_values.get(e.learner) != _values(e)]
    if replace:  # everyone but the unchanged leaves at `at`; the changed come back
        kept = [e.learner for e in entries if open_values.get(e.learner) == _values(e)]
        which: list[Doc] = [{"l": {"$nin": kept}}]
    else:
        names = [e.learner for e in changed]
        which = [{"l": {"$in": names[i : i + _CHUNK]}} for i in range(0, len(names), _CHUNK)]
    for learners_filter in which:
        await roster.delete_many({"t": tenant, "from": {"$gte": at}, **learners_filter})
        await roster.update_many(
            {"t": tenant, "from": {"$lt": at}, "to": {"$gt": at}, **learners_filter},
            {"$set": {"to": at}},
        )
    docs = [o.roster_doc(tenant, e, at) for e in changed]
    for start in range(0, len(docs), _CHUNK):
        chunk = docs[start : start + _CHUNK]
        await roster.bulk_write([ReplaceOne({"_id": d["_id"]}, d, upsert=True) for d in chunk])


def _values(entry: RosterEntry) -> tuple[str | None, ...]:
    return (entry.name, *(getattr(entry, field) for field in ROSTER_FIELDS))

"""MongoDB's OutcomeReportStore: attainment listings, and attainments counted per org unit and
stint in the database (aggregation pipelines; the periods are counted above the port, in
service/outcomes/membership).

Every `$group` groups by a field path whose value a preceding `$addFields` computed: the
MongoDB-wire test server evaluates a `$group` `_id` that is a document of expressions as a
literal (one group for everything), while both evaluate a field path alike. A compound key is a
`$concat` of its parts with the free-text part last (split again here).
"""

from __future__ import annotations

from pymongo import ASCENDING

from service.model.clock import now_ms
from service.model.outcomes import (
    AttainmentChange,
    AttainmentQuery,
    AttainmentRow,
    RosterEntry,
    UnitSpan,
)
from service.store.mongo import outcome_schema as o
from service.store.mongo.attainment_changes import attainment_changes
from service.store.mongo.client import Doc, between, driver_errors
from service.store.mongo.connection import MongoConnection

_UNATTAINED_CHUNK = 500


def stint_pipeline(tenant: str, field: str) -> list[Doc]:
    """Stints of one roster field counted per (from, to, unit)."""
    return [
        {"$match": {"t": tenant, "f": field}},
        {
            "$addFields": {
                "k": {"$concat": [{"$toString": "$from"}, "|", {"$toString": "$to"}, "|", "$u"]}
            }
        },
        {"$group": {"_id": "$k", "n": {"$sum": 1}}},
    ]


def attained_stint_pipeline(tenant: str, version: int, field: str, outcome: str) -> list[Doc]:
    """Stints of one roster field of the learners who attained the outcome, counted per
    (from, to, attained day, unit): the attainments joined to their learners' stints."""
    return [
        {"$match": {"t": tenant, "v": version, "o": outcome}},
        {"$lookup": {"from": o.STINTS, "localField": "l", "foreignField": "l", "as": "s"}},
        {"$unwind": "$s"},
        {"$match": {"s.t": tenant, "s.f": field}},
        {
            "$addFields": {
                "k": {
                    "$concat": [
                        {"$toString": "$s.from"},
                        "|",
                        {"$toString": "$s.to"},
                        "|",
                        {"$toString": "$d"},
                        "|",
                        "$s.u",
                    ]
                }
            }
        },
        {"$group": {"_id": "$k", "n": {"$sum": 1}}},
    ]


def count_pipeline(tenant: str, version: int) -> list[Doc]:
    """Attainments counted per outcome."""
    return [{"$match": {"t": tenant, "v": version}}, {"$group": {"_id": "$o", "n": {"$sum": 1}}}]


def _narrow(where: Doc, name: str, cond: object) -> Doc | None:
    """`where` with the field `name` also meeting `cond` (a value or `{"$gt": value}`), one
    condition per field (no `$and`); None when nothing can match both."""
    if name not in where:
        return {**where, name: cond}
    held = where[name]
    values = held["$in"] if isinstance(held, dict) else [held]
    if isinstance(cond, dict):
        kept = [v for v in values if v > cond["$gt"]]
    else:
        kept = [v for v in values if v == cond]
    if not kept:
        return None
    return {**where, name: {"$in": kept} if isinstance(held, dict) else kept[0]}


def _to(value: str) -> int | None:
    return None if int(value) == o.OPEN else int(value)


class MongoOutcomeReports:
    """Attainment listings (joined with the current roster) and per-unit stint counts."""

    def __init__(self, conn: MongoConnection) -> None:
        self._conn = conn

    @driver_errors("read attainment changes")
    async def attainment_changes(
        self, tenant: str, after_id: int, limit: int
    ) -> list[AttainmentChange]:
        return await attainment_changes(self._conn.db, tenant, after_id, limit, now_ms())

    @driver_errors("list attainments")
    async def query_attainments(self, tenant: str, query: AttainmentQuery) -> list[AttainmentRow]:
        """In (outcome, learner) order after the cursor: the rest of the cursor's outcome,
        then the outcomes after it (two range queries rather than an `$or`)."""
        where: Doc = {"t": tenant, "v": query.version}
        for name, value in (("o", query.outcome), ("l", query.learner), ("lv", query.level)):
            if value is not None:
                where[name] = value
        span = between(query.since_ms, query.until_ms)
        if span:
            where["at"] = span
        field = o.unit_field(query.unit_field)
        if query.unit is not None:
            members = await self._members(tenant, field, query.unit)
            if query.learner is not None:
                members = [m for m in members if m == query.learner]
            where["l"] = {"$in": members}
        docs = await self._page(where, query)
        roster = await self._roster(tenant, [doc["l"] for doc in docs])
        return [AttainmentRow(o.attainment_record(doc), roster.get(doc["l"])) for doc in docs]

    async def _page(self, where: Doc, query: AttainmentQuery) -> list[Doc]:
        coll = self._conn.coll(o.ATTAINMENTS)
        order = [("o", ASCENDING), ("l", ASCENDING)]
        if query.after is None:
            return await coll.find(where).sort(order).limit(query.limit).to_list()
        outcome, learner = query.after
        docs: list[Doc] = []
        ranges = [(outcome, {"$gt": learner}), ({"$gt": outcome}, None)]
        for outcome_cond, learner_cond in ranges:
            clause = _narrow(where, "o", outcome_cond)
            if clause is not None and learner_cond is not None:
                clause = _narrow(clause, "l", learner_cond)
            if clause is None:
                continue
            found = coll.find(clause).sort(order).limit(query.limit - len(docs))
            docs.extend(await found.to_list())
            if len(docs) >= query.limit:
                break
        return docs

    async def _members(self, tenant: str, field: str, unit: str) -> list[str]:
        found = self._conn.coll(o.ROSTER).find(
            {"t": tenant, "to": o.OPEN, field: unit}, {"_id": 0, "l": 1}
        )
        return [doc["l"] async for doc in found]

    async def _roster(self, tenant: str, learners: list[str]) -> dict[str, RosterEntry]:
        if not learners:
            return {}
        found = self._conn.coll(o.ROSTER).find(
            {"t": tenant, "to": o.OPEN, "l": {"$in": sorted(set(learners))}}
        )
        return {doc["l"]: o.roster_entry(doc, dated=False) async for doc in found}

    @driver_errors("count attainments")
    async def count_attainments(self, tenant: str, version: int) -> dict[str, int]:
        cursor = await self._conn.coll(o.ATTAINMENTS).aggregate(count_pipeline(tenant, version))
        return {str(row["_id"]): int(row["n"]) async for row in cursor}

    @driver_errors("find the first attainment")
    async def first_attainment_day(
        self, tenant: str, version: int, outcomes: list[str]
    ) -> int | None:
        doc = await self._conn.coll(o.ATTAINMENTS).find_one(
            {"t": tenant, "v": version, "o": {"$in": outcomes}},
            {"at": 1},
            sort=[("at", ASCENDING)],
        )
        return None if doc is None else int(doc["at"]) // o.DAY_MS

    @driver_errors("count attainments per unit")
    async def unit_spans(
        self, tenant: str, version: int, unit_field: str, outcome: str
    ) -> list[UnitSpan]:
        """Two aggregations: every stint counted per (unit, from, to), and those of learners
        who attained counted per attained day too; the difference did not attain."""
        field = o.unit_field(unit_field)
        stints = self._conn.coll(o.STINTS)
        totals: dict[tuple[str, int, int | None], int] = {}
        async for row in await stints.aggregate(stint_pipeline(tenant, field)):
            start, end, unit = str(row["_id"]).split("|", 2)
            totals[(unit, int(start), _to(end))] = int(row["n"])
        attainments = self._conn.coll(o.ATTAINMENTS)
        spans: list[UnitSpan] = []
        pipeline = attained_stint_pipeline(tenant, version, field, outcome)
        async for row in await attainments.aggregate(pipeline):
            start, end, day, unit = str(row["_id"]).split("|", 3)
            count = int(row["n"])
            spans.append(UnitSpan(unit, int(start), _to(end), int(day), count))
            stint = (unit, int(start), _to(end))
            totals[stint] = totals.get(stint, 0) - count
        for (unit, start_ms, end_ms), left in totals.items():
            if left > 0:
                spans.append(UnitSpan(unit, start_ms, end_ms, None, left))
        return spans

    @driver_errors("list learners who have not attained")
    async def unattained(
        self,
        tenant: str,
        version: int,
        outcome: str,
        unit_field: str,
        unit: str,
        after: str | None,
        limit: int,
    ) -> list[RosterEntry]:
        """Current roster entries of the unit in learner order, a chunk at a time, less those
        whose learner attained (looked up by the chunk's learners)."""
        field = o.unit_field(unit_field)
        roster = self._conn.coll(o.ROSTER)
        attainments = self._conn.coll(o.ATTAINMENTS)
        out: list[RosterEntry] = []
        last = after or ""
        while len(out) < limit:
            found = roster.find({"t": tenant, "to": o.OPEN, field: unit, "l": {"$gt": last}})
            chunk = await found.sort("l", ASCENDING).limit(_UNATTAINED_CHUNK).to_list()
            if not chunk:
                break
            learners = [doc["l"] for doc in chunk]
            attained = attainments.find(
                {"t": tenant, "v": version, "o": outcome, "l": {"$in": learners}},
                {"_id": 0, "l": 1},
            )
            done = {doc["l"] async for doc in attained}
            out.extend(o.roster_entry(doc) for doc in chunk if doc["l"] not in done)
            last = learners[-1]
            if len(chunk) < _UNATTAINED_CHUNK:
                break
        return out[:limit]

"""The outcome kinds of MongoDB's Transfer (see `ports/transfer`): out in `_id` order (each
document's `_id` is its key, see `outcome_schema`), in as new documents only.

Map versions come in with their cursor at 0: sequence numbers differ between stores, so the
target evaluates its statements once more from the first, over the evidence and attainments
copied, and finds them as they are (nothing is emitted again: an attainment that stays the
same emits nothing). Stints are derived again from the roster history copied in.
"""

from __future__ import annotations

from typing import Any

import orjson
from pymongo import ASCENDING, InsertOne
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError

from service.model.outcomes import ROSTER_FIELDS, AttainmentRecord, RosterEntry
from service.store.mongo import outcome_schema as o
from service.store.mongo.client import Doc
from service.store.mongo.outcome_stints import restint
from service.store.mongo.statement_writes import refused_positions
from service.store.ports.transfer import Cursor, Record

COLLECTION = {
    "outcome_maps": o.MAPS,
    "outcome_roster": o.ROSTER,
    "outcome_kpis": o.KPIS,
    "outcome_evidence": o.EVIDENCE,
    "outcome_attainments": o.ATTAINMENTS,
}


async def export(
    db: AsyncDatabase[Doc], kind: str, after: Cursor, limit: int
) -> tuple[list[Record], Cursor]:
    where: Doc = {} if after is None else {"_id": {"$gt": after}}
    docs = await db[COLLECTION[kind]].find(where).sort("_id", ASCENDING).limit(limit).to_list()
    return [_record(kind, doc) for doc in docs], (docs[-1]["_id"] if docs else after)


def _record(kind: str, doc: Doc) -> Record:
    if kind == "outcome_maps":
        fields = ("version", "name", "number", "created", "status")
        return {"tenant": doc["t"], **{f: doc[f] for f in fields}, "document": _json(doc)}
    if kind == "outcome_roster":
        to = int(doc["to"])
        return {
            "tenant": doc["t"],
            "learner": doc["l"],
            "valid_from": int(doc["from"]),
            "valid_to": None if to == o.OPEN else to,
            "name": doc.get("name"),
            **{f: doc.get(f) for f in ROSTER_FIELDS},
        }
    if kind == "outcome_kpis":
        return {
            "tenant": doc["t"],
            "kpi": doc["kpi"],
            "org_unit": doc["unit"],
            "period": doc["period"],
            "value": float(doc["value"]),
        }
    if kind == "outcome_evidence":
        return {
            "tenant": doc["t"],
            "version": doc["v"],
            "learner": doc["l"],
            "outcome": doc["o"],
            "criterion": doc["c"],
            "statement_id": doc["s"],
            "activity": doc["a"],
            "ts": doc["ts"],
            "seq": doc["seq"],
        }
    record = o.attainment_record(doc)
    return {
        "tenant": doc["t"],
        "version": doc["v"],
        "outcome": record.outcome,
        "learner": record.learner,
        "attained": record.attained_ms,
        "level": record.level,
        "name": record.name,
        "evidence": record.evidence,
        "emitted": record.emitted,
    }


def _json(doc: Doc) -> Any:
    return orjson.loads(doc["document"])


def _document(kind: str, r: Record) -> Doc:
    tenant = r["tenant"]
    if kind == "outcome_maps":
        return {
            "_id": o.key(tenant, r["version"]),
            "t": tenant,
            "version": r["version"],
            "document": orjson.dumps(r["document"]).decode(),
            "created": r["created"],
            "status": r["status"],
            "cursor": 0,
            "evaluated": 0,
            "name": r["name"],
            "number": r["number"],
        }
    if kind == "outcome_roster":
        entry = RosterEntry(r["learner"], r["name"], **{f: r[f] for f in ROSTER_FIELDS})
        end = o.OPEN if r["valid_to"] is None else r["valid_to"]
        return o.roster_doc(tenant, entry, r["valid_from"], end)
    if kind == "outcome_kpis":
        return {
            "_id": o.key(tenant, r["kpi"], r["org_unit"], r["period"]),
            "t": tenant,
            "kpi": r["kpi"],
            "unit": r["org_unit"],
            "period": r["period"],
            "value": r["value"],
        }
    if kind == "outcome_evidence":
        parts = (r["version"], r["learner"], r["outcome"], r["criterion"], r["statement_id"])
        return {
            "_id": o.key(tenant, *parts),
            "t": tenant,
            "v": r["version"],
            "l": r["learner"],
            "o": r["outcome"],
            "c": r["criterion"],
            "s": r["statement_id"],
            "a": r["activity"],
            "ts": r["ts"],
            "seq": r["seq"],
        }
    record = AttainmentRecord(
        r["learner"],
        r["outcome"],
        r["attained"],
        r["level"],
        r["name"],
        r["evidence"],
        r["emitted"],
    )
    return o.attainment_doc(tenant, r["version"], record)


async def import_new(db: AsyncDatabase[Doc], kind: str, records: list[Record]) -> int:
    """Insert the records not there yet (by `_id`); roster history derives its stints again."""
    docs = [_document(kind, r) for r in records]
    try:
        result = await db[COLLECTION[kind]].bulk_write([InsertOne(d) for d in docs], ordered=False)
        count = result.inserted_count
    except BulkWriteError as exc:
        count = len(docs) - len(refused_positions(exc))
    if kind == "outcome_roster":
        by_tenant: dict[str, list[str]] = {}
        for r in records:
            by_tenant.setdefault(r["tenant"], []).append(r["learner"])
        for tenant, learners in by_tenant.items():
            await restint(db, tenant, sorted(set(learners)))
    return count

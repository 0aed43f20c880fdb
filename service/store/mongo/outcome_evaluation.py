"""MongoDB's OutcomeEvaluationStore: map versions and evaluation state, without transactions.

An evaluation step's changes are idempotent upserts and deletes keyed by (version, learner,
outcome, criterion, statement), written in an order that a repeat of the step from the stored
cursor recomputes the same pairs from, with the cursor written last:

1. the added evidence (upserts: a repeat writes the same documents);
2. the attainments put and deleted (a repeat loads them as they now are and finds nothing left
   to change, so nothing is emitted twice either);
3. the evidence of retracted statements (before this, a repeat still finds through it the pairs
   the retraction touched);
4. the change feed's log of attainments put and withdrawn (a repeat's entries are refused as
   duplicates: `attainment_changes`);
5. the cursor and the count evaluated, in one conditional update (applied once).

A process dying anywhere leaves the cursor where it was, and the step runs again from there to
the same state (see `tests/outcomes/test_mongo_step_recovery.py`).
"""

from __future__ import annotations

from collections.abc import Set as AbstractSet
from typing import Any

import orjson
from pymongo import ASCENDING, DESCENDING, DeleteOne, ReplaceOne
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from service.model.clock import now_ms
from service.model.errors import StoreError
from service.model.outcomes import (
    DEFAULT_MAP,
    EvidenceRecord,
    EvidenceSnapshot,
    MapVersion,
    OutcomeChanges,
    SeqStatement,
)
from service.store.mongo import outcome_schema as o
from service.store.mongo import outcome_statements
from service.store.mongo.attainment_changes import record_attainment_changes
from service.store.mongo.client import Doc, driver_errors
from service.store.mongo.connection import ORPHAN_AFTER_TIMEOUTS, MongoConnection

_INSERT_ATTEMPTS = 8


class MongoOutcomeEvaluation:
    """Outcome maps, evidence and attainments (see service.store.ports.outcomes)."""

    def __init__(self, conn: MongoConnection) -> None:
        self._conn = conn

    @property
    def _orphan_after_ms(self) -> int:
        return ORPHAN_AFTER_TIMEOUTS * self._conn.options.timeout_ms

    @driver_errors("store an outcome map")
    async def add_outcome_map(
        self, tenant: str, document: dict[str, Any], name: str = DEFAULT_MAP
    ) -> MapVersion:
        """The next version number is the tenant's highest plus one, claimed by inserting its
        `_id` (another process claiming it at once makes this one take the next)."""
        db = self._conn.db
        maps = db[o.MAPS]
        stale = maps.find({"t": tenant, "name": name, "status": "evaluating"}, {"version": 1})
        for old in await stale.to_list():
            await _retire(db, tenant, int(old["version"]))
        for _ in range(_INSERT_ATTEMPTS):
            last = await maps.find_one(
                {"t": tenant}, {"version": 1}, sort=[("version", DESCENDING)]
            )
            mine = await maps.find_one(
                {"t": tenant, "name": name}, {"number": 1}, sort=[("version", DESCENDING)]
            )
            version = int(last["version"]) + 1 if last else 1
            doc: Doc = {
                "_id": o.key(tenant, version),
                "t": tenant,
                "version": version,
                "document": orjson.dumps(document).decode(),
                "created": now_ms(),
                "status": "evaluating",
                "cursor": 0,
                "evaluated": 0,
                "name": name,
                "number": int(mine["number"]) + 1 if mine else 1,
            }
            try:
                await maps.insert_one(doc)
            except DuplicateKeyError:
                continue
            return _map_version(doc)
        raise StoreError("map versions kept being claimed by other processes; try again")

    @driver_errors("list outcome maps")
    async def list_outcome_maps(self, tenant: str) -> list[MapVersion]:
        cursor = self._conn.coll(o.MAPS).find({"t": tenant}).sort("version", ASCENDING)
        return [_map_version(doc) async for doc in cursor]

    @driver_errors("list tenants with outcome maps")
    async def outcome_tenants(self) -> list[str]:
        """Also finishes promotions a dead process left half done (see `_settle`)."""
        db = self._conn.db
        found = db[o.MAPS].find({"status": {"$in": ["evaluating", "current"]}}, {"t": 1})
        tenants = sorted({str(doc["t"]) async for doc in found})
        for tenant in tenants:
            await _settle(db, tenant)
        return tenants

    @driver_errors("promote an outcome map")
    async def promote_outcome_map(self, tenant: str, version: int) -> None:
        db = self._conn.db
        await db[o.MAPS].update_one(
            {"_id": o.key(tenant, version), "status": "evaluating"},
            {"$set": {"status": "current"}},
        )
        await _settle(db, tenant)

    @driver_errors("read statements to evaluate")
    async def read_statements_after(
        self, tenant: str, after_seq: int, limit: int, known: AbstractSet[int] = frozenset()
    ) -> list[SeqStatement]:
        """See `outcome_statements`: never a statement of a batch not yet committed and
        settled, and never past one that may still commit with a lower `seq`."""
        return await outcome_statements.read_after(
            self._conn.db, tenant, after_seq, limit, known, self._orphan_after_ms
        )

    @driver_errors("count statements to evaluate")
    async def count_statements_after(self, tenant: str, after_seq: int) -> int:
        return await outcome_statements.count_after(self._conn.db, tenant, after_seq)

    @driver_errors("load outcome evidence")
    async def load_outcome_evidence(
        self, tenant: str, version: int, pairs: list[tuple[str, str]], retracted: list[str]
    ) -> EvidenceSnapshot:
        db = self._conn.db
        wanted = dict.fromkeys(pairs)
        if retracted:
            found = db[o.EVIDENCE].find(
                {"t": tenant, "v": version, "s": {"$in": retracted}}, {"l": 1, "o": 1}
            )
            async for doc in found:
                wanted[(doc["l"], doc["o"])] = None
        if not wanted:
            return EvidenceSnapshot([], {})
        where = {
            "t": tenant,
            "v": version,
            "l": {"$in": sorted({learner for learner, _ in wanted})},
            "o": {"$in": sorted({outcome for _, outcome in wanted})},
        }
        evidence = [
            _evidence(doc)
            async for doc in db[o.EVIDENCE].find(where)
            if (doc["l"], doc["o"]) in wanted
        ]
        attainments = {
            (doc["l"], doc["o"]): o.attainment_record(doc)
            async for doc in db[o.ATTAINMENTS].find(where)
            if (doc["l"], doc["o"]) in wanted
        }
        return EvidenceSnapshot(evidence, attainments)

    @driver_errors("write outcome changes")
    async def apply_outcome_changes(self, tenant: str, changes: OutcomeChanges) -> None:
        db = self._conn.db
        version = changes.version
        status = await db[o.MAPS].find_one({"_id": o.key(tenant, version)}, {"status": 1})
        if status is None or status["status"] == "retired":
            return  # superseded while this step ran: its state is gone
        await _write_changes(db, tenant, changes)
        status = await db[o.MAPS].find_one({"_id": o.key(tenant, version)}, {"status": 1})
        if status is None or status["status"] == "retired":
            await _drop_state(db, tenant, version)  # retired while this step wrote


async def _write_changes(db: AsyncDatabase[Doc], tenant: str, changes: OutcomeChanges) -> None:
    """The module docstring's five writes, in its order."""
    version = changes.version
    if changes.add_evidence:
        await db[o.EVIDENCE].bulk_write(
            [
                ReplaceOne({"_id": doc["_id"]}, doc, upsert=True)
                for doc in _evidence_docs(tenant, changes)
            ],
            ordered=False,
        )
    attainments: list[ReplaceOne[Doc] | DeleteOne] = [
        DeleteOne({"_id": o.key(tenant, version, outcome, learner)})
        for learner, outcome in changes.delete_attainments
    ]
    for record in changes.put_attainments:
        doc = o.attainment_doc(tenant, version, record)
        attainments.append(ReplaceOne({"_id": doc["_id"]}, doc, upsert=True))
    if attainments:
        await db[o.ATTAINMENTS].bulk_write(attainments, ordered=True)
    readded = {e.statement_id for e in changes.add_evidence}
    retracted = [s for s in dict.fromkeys(changes.retract_statements) if s not in readded]
    if retracted:
        await db[o.EVIDENCE].delete_many({"t": tenant, "v": version, "s": {"$in": retracted}})
    await record_attainment_changes(db, tenant, changes, now_ms())
    await db[o.MAPS].update_one(
        {"_id": o.key(tenant, version), "cursor": {"$lt": changes.cursor}},
        {"$set": {"cursor": changes.cursor}, "$inc": {"evaluated": changes.evaluated}},
    )


def _evidence_docs(tenant: str, changes: OutcomeChanges) -> list[Doc]:
    version = changes.version
    return [
        {
            "_id": o.key(tenant, version, e.learner, e.outcome, e.criterion, e.statement_id),
            "t": tenant,
            "v": version,
            "l": e.learner,
            "o": e.outcome,
            "c": e.criterion,
            "s": e.statement_id,
            "a": e.activity,
            "ts": e.timestamp_ms,
            "seq": e.seq,
        }
        for e in changes.add_evidence
    ]


def _evidence(doc: Doc) -> EvidenceRecord:
    return EvidenceRecord(
        doc["l"], doc["o"], int(doc["c"]), doc["s"], doc["a"], int(doc["ts"]), int(doc["seq"])
    )


async def _drop_state(db: AsyncDatabase[Doc], tenant: str, version: int) -> None:
    for collection in (o.EVIDENCE, o.ATTAINMENTS):
        await db[collection].delete_many({"t": tenant, "v": version})


async def _retire(db: AsyncDatabase[Doc], tenant: str, version: int) -> None:
    """Retire a map version, then delete its state (a crash in between leaves only state no
    query reads, deleted by the next `_settle`)."""
    await db[o.MAPS].update_one({"_id": o.key(tenant, version)}, {"$set": {"status": "retired"}})
    await _drop_state(db, tenant, version)


async def _settle(db: AsyncDatabase[Doc], tenant: str) -> None:
    """Retire every version older than a current version of the same map, and delete the state
    of retired versions: what a promotion or retirement that died half way leaves."""
    maps = await db[o.MAPS].find({"t": tenant}, {"version": 1, "name": 1, "status": 1}).to_list()
    newest: dict[str, int] = {}
    for doc in maps:
        if doc["status"] == "current":
            newest[doc["name"]] = max(newest.get(doc["name"], 0), int(doc["version"]))
    for doc in maps:
        version = int(doc["version"])
        if doc["status"] != "retired" and version < newest.get(doc["name"], 0):
            await _retire(db, tenant, version)
        elif doc["status"] == "retired":
            await _drop_state(db, tenant, version)


def _map_version(doc: Doc) -> MapVersion:
    return MapVersion(
        int(doc["version"]),
        orjson.loads(doc["document"]),
        int(doc["created"]),
        doc["status"],
        int(doc["cursor"]),
        int(doc["evaluated"]),
        doc["name"],
        int(doc["number"]),
    )

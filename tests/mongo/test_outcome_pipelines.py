"""Every aggregation pipeline and write form of the MongoDB outcome adapter, with the results
MongoDB's manual gives for them (as tests/mongo/test_server_semantics.py does for the rest).

The pipelines are the adapter's own (imported, not copied), run over small collections whose
expected groups are worked out by hand from the documented semantics of `$match`, `$type`,
`$addFields`, `$concat`, `$toString`, `$lookup` (equality match), `$unwind` and `$group` by a
field path. A server that evaluates any of them differently fails here first.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from pymongo import ASCENDING, AsyncMongoClient, DeleteOne, ReplaceOne
from pymongo.asynchronous.database import AsyncDatabase

from service.store.mongo import outcome_schema as o
from service.store.mongo.outcome_org import unit_range_pipeline
from service.store.mongo.outcome_reports import (
    attained_stint_pipeline,
    count_pipeline,
    stint_pipeline,
)

pytestmark = pytest.mark.asyncio
Doc = dict[str, object]
OPEN = o.OPEN


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[AsyncDatabase[Doc]]:
    client: AsyncMongoClient[Doc] = AsyncMongoClient(database_url)
    try:
        yield client.get_default_database()
    finally:
        await client.close()


async def _groups(db: AsyncDatabase[Doc], collection: str, pipeline: list[Doc]) -> dict[str, int]:
    cursor = await db[collection].aggregate(pipeline)
    return {str(row["_id"]): int(row.get("n", 0)) async for row in cursor}  # type: ignore[call-overload]


async def test_unit_ranges_group_by_a_computed_string_key(db: AsyncDatabase[Doc]) -> None:
    """outcome_org.unit_range_pipeline: `$type: "string"` keeps only string values (not null,
    not missing); `$toString` of an integer is its decimal digits (also negative and 64-bit);
    equal keys form one group."""
    await db[o.ROSTER].insert_many(
        [
            {"t": "a", "l": "x", "from": -5, "to": OPEN, "department": "Sales|East"},
            {"t": "a", "l": "y", "from": -5, "to": OPEN, "department": "Sales|East"},
            {"t": "a", "l": "z", "from": 10, "to": 20, "department": "Ops"},
            {"t": "a", "l": "w", "from": 10, "to": 20, "department": None},
            {"t": "a", "l": "v", "from": 10, "to": 20},
            {"t": "b", "l": "x", "from": 1, "to": 2, "department": "Ops"},
        ]
    )
    groups = await _groups(db, o.ROSTER, unit_range_pipeline("a", "department"))
    assert groups == {f"-5|{OPEN}|Sales|East": 0, "10|20|Ops": 0}


async def test_stints_counted_per_computed_key(db: AsyncDatabase[Doc]) -> None:
    """outcome_reports.stint_pipeline: `$match` on tenant and field, `$sum: 1` per key."""
    await db[o.STINTS].insert_many(
        [
            {"t": "a", "f": "team", "l": "x", "u": "A", "from": 0, "to": OPEN},
            {"t": "a", "f": "team", "l": "y", "u": "A", "from": 0, "to": OPEN},
            {"t": "a", "f": "team", "l": "z", "u": "A", "from": 0, "to": 7},
            {"t": "a", "f": "role", "l": "x", "u": "A", "from": 0, "to": OPEN},
            {"t": "b", "f": "team", "l": "x", "u": "A", "from": 0, "to": OPEN},
        ]
    )
    groups = await _groups(db, o.STINTS, stint_pipeline("a", "team"))
    assert groups == {f"0|{OPEN}|A": 2, "0|7|A": 1}


async def test_attained_stints_join_attainments_to_stints(db: AsyncDatabase[Doc]) -> None:
    """outcome_reports.attained_stint_pipeline: `$lookup` matches `l` by equality across the
    whole stint collection (every tenant and field), `$unwind` makes one document per match
    (none for an empty array), the second `$match` keeps the tenant's stints of the field."""
    await db[o.STINTS].insert_many(
        [
            {"t": "a", "f": "team", "l": "x", "u": "A", "from": 0, "to": OPEN},
            {"t": "a", "f": "team", "l": "y", "u": "A", "from": 0, "to": OPEN},
            {"t": "a", "f": "team", "l": "y", "u": "B", "from": -3, "to": 0},
            {"t": "a", "f": "role", "l": "x", "u": "R", "from": 0, "to": OPEN},
            {"t": "b", "f": "team", "l": "x", "u": "A", "from": 0, "to": OPEN},
        ]
    )
    await db[o.ATTAINMENTS].insert_many(
        [
            {"t": "a", "v": 1, "o": "skill", "l": "x", "d": 20000},
            {"t": "a", "v": 1, "o": "skill", "l": "y", "d": 20001},
            {"t": "a", "v": 1, "o": "skill", "l": "nobody", "d": 20001},
            {"t": "a", "v": 1, "o": "other", "l": "x", "d": 1},
            {"t": "a", "v": 2, "o": "skill", "l": "x", "d": 2},
            {"t": "b", "v": 1, "o": "skill", "l": "x", "d": 3},
        ]
    )
    groups = await _groups(db, o.ATTAINMENTS, attained_stint_pipeline("a", 1, "team", "skill"))
    assert groups == {f"0|{OPEN}|20000|A": 1, f"0|{OPEN}|20001|A": 1, "-3|0|20001|B": 1}


async def test_attainments_counted_per_outcome(db: AsyncDatabase[Doc]) -> None:
    """outcome_reports.count_pipeline: `$group` by the field path `$o`."""
    await db[o.ATTAINMENTS].insert_many(
        [
            {"t": "a", "v": 1, "o": "p", "l": "x"},
            {"t": "a", "v": 1, "o": "p", "l": "y"},
            {"t": "a", "v": 1, "o": "q", "l": "x"},
            {"t": "a", "v": 2, "o": "q", "l": "y"},
        ]
    )
    assert await _groups(db, o.ATTAINMENTS, count_pipeline("a", 1)) == {"p": 2, "q": 1}


async def test_lowest_seq_per_batch_token(db: AsyncDatabase[Doc]) -> None:
    """outcome_statements.evaluation_bound: `$match` with `$in` on the token, `$group` by the
    field path `$p` with `$min`."""
    await db["statements"].insert_many(
        [
            {"t": "a", "p": "k1", "seq": 7},
            {"t": "a", "p": "k1", "seq": 5},
            {"t": "a", "p": "k2", "seq": 9},
            {"t": "a", "p": "k3", "seq": 1},
            {"t": "b", "p": "k2", "seq": 2},
        ]
    )
    pipeline: list[Doc] = [
        {"$match": {"t": "a", "p": {"$in": ["k1", "k2"]}}},
        {"$group": {"_id": "$p", "low": {"$min": "$seq"}}},
    ]
    cursor = await db["statements"].aggregate(pipeline)
    assert {row["_id"]: row["low"] async for row in cursor} == {"k1": 5, "k2": 9}


async def test_upserts_by_string_id_are_idempotent(db: AsyncDatabase[Doc]) -> None:
    """The state writes: `ReplaceOne` with upsert by a string `_id` inserts once and replaces
    after (a repeated step writes the same documents); `DeleteOne` of a missing `_id` deletes
    nothing; an ordered bulk of both applies in order."""
    coll = db[o.ATTAINMENTS]
    doc: Doc = {"_id": o.key("a", 1, "p", "x"), "t": "a", "at": 5, "ev": "[]"}
    for _ in range(2):
        await coll.bulk_write([ReplaceOne({"_id": doc["_id"]}, doc, upsert=True)], ordered=True)
    assert await coll.count_documents({}) == 1
    changed = {**doc, "at": 6}
    result = await coll.bulk_write(
        [
            DeleteOne({"_id": o.key("a", 1, "p", "nobody")}),
            ReplaceOne({"_id": doc["_id"]}, changed, upsert=True),
        ],
        ordered=True,
    )
    assert (result.deleted_count, result.modified_count) == (0, 1)
    assert await coll.find_one({"_id": doc["_id"]}) == changed


async def test_guarded_cursor_update_applies_once(db: AsyncDatabase[Doc]) -> None:
    """outcome_evaluation: `cursor: {$lt: c}` guards `$set` + `$inc`, so a repeat is a no-op."""
    coll = db[o.MAPS]
    await coll.insert_one({"_id": "m", "cursor": 0, "evaluated": 0})
    for _ in range(2):
        await coll.update_one(
            {"_id": "m", "cursor": {"$lt": 10}}, {"$set": {"cursor": 10}, "$inc": {"evaluated": 4}}
        )
    assert await coll.find_one({"_id": "m"}) == {"_id": "m", "cursor": 10, "evaluated": 4}


async def test_roster_range_updates_and_current_paging(db: AsyncDatabase[Doc]) -> None:
    """outcome_org: `$nin` on a learner list, `$gte`/`$lt`/`$gt` on integers (the `OPEN` end
    compares above every instant), and paging with `$gt` in learner order."""
    coll = db[o.ROSTER]
    await coll.insert_many(
        [
            {"t": "a", "l": "x", "from": 0, "to": OPEN},
            {"t": "a", "l": "y", "from": 0, "to": OPEN},
            {"t": "a", "l": "y", "from": -9, "to": 0},
            {"t": "a", "l": "z", "from": 5, "to": OPEN},
        ]
    )
    await coll.delete_many({"t": "a", "from": {"$gte": 5}, "l": {"$nin": ["x"]}})
    await coll.update_many(
        {"t": "a", "from": {"$lt": 3}, "to": {"$gt": 3}, "l": {"$nin": ["x"]}}, {"$set": {"to": 3}}
    )
    rows = (
        await coll.find({"t": "a"}, {"_id": 0})
        .sort([("l", ASCENDING), ("from", ASCENDING)])
        .to_list()
    )
    assert rows == [
        {"t": "a", "l": "x", "from": 0, "to": OPEN},
        {"t": "a", "l": "y", "from": -9, "to": 0},
        {"t": "a", "l": "y", "from": 0, "to": 3},
    ]
    current = coll.find({"t": "a", "to": OPEN, "l": {"$gt": ""}}, {"_id": 0, "l": 1})
    assert [d["l"] async for d in current.sort("l", ASCENDING)] == ["x"]

"""Every query and write form the MongoDB adapter uses, with results from MongoDB's manual.

Each test issues the operator form exactly as `service/store/mongo/` does and asserts what
MongoDB documents for it (not what the test server happens to return), so a server that
differs fails here first. Where the project's test server differs from MongoDB the adapter
avoids that form; the README's list of differences names them (section "The test server").
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime

import pytest
from bson import ObjectId
from pymongo import ASCENDING, DESCENDING, AsyncMongoClient, InsertOne, ReturnDocument, UpdateOne
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import BulkWriteError, DuplicateKeyError

pytestmark = pytest.mark.asyncio
Doc = dict[str, object]


@pytest.fixture
async def coll(database_url: str) -> AsyncIterator[AsyncCollection[Doc]]:
    client: AsyncMongoClient[Doc] = AsyncMongoClient(database_url)
    try:
        collection = client.get_default_database()["semantics"]
        await collection.create_index([("t", ASCENDING), ("id", ASCENDING)], unique=True)
        yield collection
    finally:
        await client.close()


async def test_reserve_inc_max_and_nested_set_in_one_upsert(coll: AsyncCollection[Doc]) -> None:
    """sequence.reserve: `$inc`, `$max` and a `$set` of a dotted path create the document on
    upsert and return it as modified (returnDocument: after)."""
    first = await coll.find_one_and_update(
        {"_id": "c"},
        {"$inc": {"seq": 3}, "$max": {"stored": 50}, "$set": {"pending.a": {"at": 1}}},
        upsert=True,
        return_document=ReturnDocument.AFTER,
    )
    assert first == {"_id": "c", "seq": 3, "stored": 50, "pending": {"a": {"at": 1}}}
    second = await coll.find_one_and_update(
        {"_id": "c"},
        {"$inc": {"seq": 2}, "$max": {"stored": 40}, "$set": {"pending.b": {"at": 2}}},
        return_document=ReturnDocument.AFTER,
    )
    assert second == {
        "_id": "c",
        "seq": 5,
        "stored": 50,  # $max never lowers
        "pending": {"a": {"at": 1}, "b": {"at": 2}},
    }


async def test_commit_moves_a_marker_once(coll: AsyncCollection[Doc]) -> None:
    """batches.commit: `$exists` on a dotted path guards an `$unset` + `$set`; the second try
    matches nothing."""
    await coll.insert_one({"_id": "c", "pending": {"a": {"at": 1}, "b": {"at": 2}}})
    guard = {"_id": "c", "pending.a": {"$exists": True}}
    move = {"$unset": {"pending.a": ""}, "$set": {"settling.a": {"at": 3}}}
    assert (await coll.update_one(guard, move)).modified_count == 1
    assert (await coll.update_one(guard, move)).matched_count == 0
    assert await coll.find_one({"_id": "c"}) == {
        "_id": "c",
        "pending": {"b": {"at": 2}},
        "settling": {"a": {"at": 3}},
    }


async def test_visibility_filter_range_nin_and_sort(coll: AsyncCollection[Doc]) -> None:
    """statement_reads: `seq` in ($gt, $lte], `p` $nin hidden tokens, sorted both ways."""
    await coll.insert_many(
        [{"t": "t", "id": str(n), "seq": n, "p": "x" if n == 3 else ""} for n in range(1, 7)]
    )
    where = {"t": "t", "seq": {"$gt": 1, "$lte": 5}, "p": {"$nin": ["x"]}}
    up = await coll.find(where, {"seq": 1, "_id": 0}).sort("seq", ASCENDING).limit(2).to_list()
    down = await coll.find(where, {"seq": 1, "_id": 0}).sort("seq", DESCENDING).to_list()
    assert [d["seq"] for d in up] == [2, 4]
    assert [d["seq"] for d in down] == [5, 4, 2]


async def test_multikey_equality_and_all(coll: AsyncCollection[Doc]) -> None:
    """Filters on the key array `k`: equality matches any element, `$all` every one given."""
    await coll.insert_many(
        [
            {"t": "t", "id": "a", "k": ["1:x", "2:y"]},
            {"t": "t", "id": "b", "k": ["1:x"]},
            {"t": "t", "id": "c", "k": ["2:y"]},
        ]
    )
    one = [str(d["id"]) async for d in coll.find({"t": "t", "k": "1:x"})]
    both = [str(d["id"]) async for d in coll.find({"t": "t", "k": {"$all": ["1:x", "2:y"]}})]
    assert sorted(one) == ["a", "b"]
    assert both == ["a"]


async def test_add_to_set_each_and_pull_in(coll: AsyncCollection[Doc]) -> None:
    """references/erasure: `$addToSet` + `$each` adds only what is absent; `$pull` + `$in`
    removes every matching element (arrays always exist in the adapter's documents)."""
    await coll.insert_one({"t": "t", "id": "a", "k": ["1:x"]})
    await coll.update_one({"id": "a"}, {"$addToSet": {"k": {"$each": ["1:x", "2:y", "3:z"]}}})
    await coll.update_many(
        {"t": "t", "k": {"$in": ["2:y", "3:z"]}}, {"$pull": {"k": {"$in": ["2:y"]}}}
    )
    doc = await coll.find_one({"id": "a"})
    assert doc is not None
    assert doc["k"] == ["1:x", "3:z"]


async def test_conditional_push_with_slice(coll: AsyncCollection[Doc]) -> None:
    """side_tables.record_agents: `$push` + `$each` + `$slice` guarded by `$nin` on the array:
    a name already there matches nothing; the array never grows past the slice."""
    await coll.insert_one({"t": "t", "id": "a", "names": ["Ann"]})
    absent = {"id": "a", "names": {"$nin": ["Bea"]}}
    push = {"$push": {"names": {"$each": ["Bea"], "$slice": 2}}}
    assert (await coll.update_one(absent, push)).modified_count == 1
    assert (await coll.update_one(absent, push)).matched_count == 0
    more = {"$push": {"names": {"$each": ["Cy"], "$slice": 2}}}
    await coll.update_one({"id": "a", "names": {"$nin": ["Cy"]}}, more)
    doc = await coll.find_one({"id": "a"})
    assert doc is not None
    assert doc["names"] == ["Ann", "Bea"]  # a positive $slice keeps the first two


async def test_unordered_insert_reports_every_refused_position(coll: AsyncCollection[Doc]) -> None:
    """statement_writes: an unordered `insert_many` inserts all it can and names each refused
    position with code 11000 (the duplicate check is the unique index)."""
    await coll.insert_one({"t": "t", "id": "b"})
    with pytest.raises(BulkWriteError) as caught:
        await coll.insert_many([{"t": "t", "id": i} for i in ("a", "b", "c", "b")], ordered=False)
    errors = caught.value.details["writeErrors"]
    assert sorted((e["index"], e["code"]) for e in errors) == [(1, 11000), (3, 11000)]
    assert sorted(await coll.distinct("id")) == ["a", "b", "c"]


async def test_ordered_insert_stops_at_the_first_refusal(coll: AsyncCollection[Doc]) -> None:
    """transfer: an ordered `insert_many` inserts the documents before the first error only."""
    await coll.insert_one({"t": "t", "id": "b"})
    with pytest.raises(BulkWriteError):
        await coll.insert_many([{"t": "t", "id": i} for i in ("a", "b", "c")], ordered=True)
    assert sorted(await coll.distinct("id")) == ["a", "b"]


async def test_upserts_with_set_on_insert_never_overwrite(coll: AsyncCollection[Doc]) -> None:
    """side_tables: bulk `UpdateOne` upserts with `$setOnInsert` create missing documents,
    report their positions in `upserted_ids`, and leave existing ones alone."""
    await coll.insert_one({"t": "t", "id": "a", "data": "old"})
    result = await coll.bulk_write(
        [
            UpdateOne({"t": "t", "id": i}, {"$setOnInsert": {"data": "new"}}, upsert=True)
            for i in ("a", "b")
        ],
        ordered=False,
    )
    assert set(result.upserted_ids or {}) == {1}
    docs = {d["id"]: d["data"] async for d in coll.find({}, {"id": 1, "data": 1})}
    assert docs == {"a": "old", "b": "new"}


async def test_compare_and_swap_on_a_field(coll: AsyncCollection[Doc]) -> None:
    """documents/merge_definitions: an update filtered on the value read applies once."""
    await coll.insert_one({"t": "t", "id": "a", "etag": "1", "rev": 1})
    swap = {"$set": {"etag": "2"}, "$inc": {"rev": 1}}
    assert (await coll.update_one({"id": "a", "etag": "1"}, swap)).matched_count == 1
    assert (await coll.update_one({"id": "a", "etag": "1"}, swap)).matched_count == 0
    doc = await coll.find_one({"id": "a"})
    assert doc is not None
    assert (doc["etag"], doc["rev"]) == ("2", 2)


async def test_conditional_find_one_and_update_returns_before(coll: AsyncCollection[Doc]) -> None:
    """quota_store: `find_one_and_update` without returnDocument gives the document before the
    update, and None when the filter matches nothing."""
    await coll.update_one({"_id": "q"}, {"$max": {"tat": 100.0}}, upsert=True)
    before = await coll.find_one_and_update(
        {"_id": "q", "tat": {"$lte": 150.0}}, {"$inc": {"tat": 60.0}}
    )
    assert before == {"_id": "q", "tat": 100.0}
    refused = await coll.find_one_and_update(
        {"_id": "q", "tat": {"$lte": 150.0}}, {"$inc": {"tat": 60.0}}
    )
    assert refused is None
    await coll.update_one({"_id": "q"}, {"$max": {"tat": 10.0}})
    assert await coll.find_one({"_id": "q"}) == {"_id": "q", "tat": 160.0}


async def test_values_of_a_field_under_a_filter(coll: AsyncCollection[Doc]) -> None:
    """references._void: the `voids` of the documents a filter with `$in` selects (a `find`
    with a projection: the test server's `distinct` ignores such a filter)."""
    await coll.insert_many(
        [
            {"t": "t", "id": "v1", "voids": "a"},
            {"t": "t", "id": "v2", "voids": "b"},
            {"t": "u", "id": "v3", "voids": "c"},
        ]
    )
    where = {"t": "t", "voids": {"$in": ["a", "c"]}}
    assert [d["voids"] async for d in coll.find(where, {"voids": 1})] == ["a"]


async def test_object_id_keyset_paging(coll: AsyncCollection[Doc]) -> None:
    """transfer: `_id` `$gt` an ObjectId, sorted by `_id`, pages through insertion order."""
    ids = [ObjectId() for _ in range(5)]
    await coll.bulk_write(
        [InsertOne({"_id": i, "t": "t", "id": str(n)}) for n, i in enumerate(ids)]
    )
    page = await coll.find({"_id": {"$gt": ids[1]}}).sort("_id", ASCENDING).limit(2).to_list()
    assert [d["_id"] for d in page] == ids[2:4]


async def test_counts_and_deletes(coll: AsyncCollection[Doc]) -> None:
    """outbox/erasure: `count_documents` and `delete_many` by `$in` report exact numbers."""
    await coll.insert_many([{"t": "t", "id": str(n), "dead": n % 2 == 0} for n in range(6)])
    assert await coll.count_documents({"t": "t", "dead": True}) == 3
    result = await coll.delete_many({"t": "t", "id": {"$in": ["0", "1", "9"]}})
    assert result.deleted_count == 2


async def test_group_by_a_field_path_with_max(coll: AsyncCollection[Doc]) -> None:
    """console_store.last_ingest: `$match` (with `$nin` and a scalar `$ne`), then `$group` by a
    field path with `$max`: one group per distinct value, the largest value in each."""
    await coll.insert_many(
        [
            {"t": "t", "id": "1", "ak": "7:a", "stored": 5, "seq": 1, "p": ""},
            {"t": "t", "id": "2", "ak": "7:a", "stored": 9, "seq": 2, "p": "x"},
            {"t": "t", "id": "3", "ak": "7:a", "stored": 7, "seq": 3, "p": ""},
            {"t": "t", "id": "4", "ak": "7:b", "stored": 3, "seq": 4, "p": ""},
            {"t": "t", "id": "5", "ak": "", "stored": 99, "seq": 5, "p": ""},
        ]
    )
    pipeline: list[Doc] = [
        {"$match": {"t": "t", "seq": {"$lte": 5}, "p": {"$nin": ["x"]}, "ak": {"$ne": ""}}},
        {"$group": {"_id": "$ak", "last": {"$max": "$stored"}}},
    ]
    cursor = await coll.aggregate(pipeline)
    groups = {str(d["_id"]): d["last"] async for d in cursor}
    assert groups == {"7:a": 7, "7:b": 3}


async def test_lease_renewal_and_take_over(coll: AsyncCollection[Doc]) -> None:
    """lease_store: a renewal matches only the holder's unexpired lease; a take upserts on
    `{_id, $or: [holder, expired]}`, inserting `{_id}` plus the update (fields under `$or` are
    not copied into the new document) and `$inc` starting from 0."""
    taken = await coll.find_one_and_update(
        {"_id": "outcomes/t", "$or": [{"holder": "a"}, {"expires": {"$lte": 1000}}]},
        {"$set": {"holder": "a", "expires": 2000}, "$inc": {"generation": 1}},
        upsert=True,
        return_document=ReturnDocument.AFTER,
    )
    assert taken == {"_id": "outcomes/t", "holder": "a", "expires": 2000, "generation": 1}
    renewed = await coll.find_one_and_update(
        {"_id": "outcomes/t", "holder": "a", "expires": {"$gt": 1500}},
        {"$set": {"expires": 2500}},
        return_document=ReturnDocument.AFTER,
    )
    assert renewed == {"_id": "outcomes/t", "holder": "a", "expires": 2500, "generation": 1}
    late = await coll.find_one_and_update(
        {"_id": "outcomes/t", "holder": "a", "expires": {"$gt": 3000}},
        {"$set": {"expires": 4000}},
        return_document=ReturnDocument.AFTER,
    )
    assert late is None  # expired: no renewal
    over = await coll.find_one_and_update(
        {"_id": "outcomes/t", "$or": [{"holder": "b"}, {"expires": {"$lte": 3000}}]},
        {"$set": {"holder": "b", "expires": 4000}, "$inc": {"generation": 1}},
        upsert=True,
        return_document=ReturnDocument.AFTER,
    )
    assert over == {"_id": "outcomes/t", "holder": "b", "expires": 4000, "generation": 2}


async def test_lease_take_of_a_lease_held_by_another(coll: AsyncCollection[Doc]) -> None:
    """lease_store: the take's upsert misses the held lease and tries to insert its `_id`.
    MongoDB fails with a duplicate key (E11000); the test server answers no document (a
    difference the README lists). The adapter relies only on what both do: the held lease
    stays as it is and no second document appears."""
    held = {"_id": "outcomes/t", "holder": "a", "expires": 5000, "generation": 1}
    await coll.insert_one(dict(held))
    try:
        answer = await coll.find_one_and_update(
            {"_id": "outcomes/t", "$or": [{"holder": "b"}, {"expires": {"$lte": 3000}}]},
            {"$set": {"holder": "b", "expires": 4000}, "$inc": {"generation": 1}},
            upsert=True,
            return_document=ReturnDocument.AFTER,
        )
    except DuplicateKeyError:
        answer = None
    assert answer is None
    assert await coll.find({}).to_list() == [held]


async def test_hello_reports_the_servers_time(coll: AsyncCollection[Doc]) -> None:
    """lease_store: `hello` answers `localTime`, a BSON date (the lease's clock)."""
    hello = await coll.database.command("hello")
    assert isinstance(hello["localTime"], datetime)

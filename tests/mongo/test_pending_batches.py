"""Batches on MongoDB without multi-document transactions: invisible until their commit marker
(SR-4, SR-7, V-46), one path on every deployment.

These look inside the collections, so they are MongoDB-specific; the behaviour every adapter
shares is in tests/store.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from pymongo.errors import DuplicateKeyError

from service.model.clock import now_ms
from service.model.errors import ConflictError, StoreError
from service.model.forwarding import ForwardTarget, OutboxBatch
from service.model.statements import StatementWrite
from service.store.mongo import MongoOptions, MongoStore, batches
from service.store.mongo.schema import AGENTS, COUNTERS, OUTBOX, STATEMENTS
from service.store.mongo.statement_docs import statement_doc
from service.xapi.agents import agent_key
from tests.builders import agent, statement, voiding
from tests.store.statement_support import body_of, prep, query_ids

pytestmark = pytest.mark.asyncio
HOUR_MS = 3_600_000


async def _docs(mongo: MongoStore) -> list[dict[str, Any]]:
    return await mongo.db[STATEMENTS].find({}, {"_id": 0, "id": 1, "seq": 1}).to_list()


async def _markers(mongo: MongoStore) -> dict[str, Any]:
    counter = await mongo.db[COUNTERS].find_one({"_id": batches.counter_id("t1")}) or {}
    return {part: counter.get(part) or {} for part in (batches.PENDING, batches.SETTLING)}


async def _begin(
    mongo: MongoStore, token: str, stmts: list[dict[str, Any]], *, at: int
) -> list[int]:
    """What a writer has done once it inserted its batch pending: numbers reserved and marked,
    documents inserted with its token. Returns their `seq`s."""
    counter = await mongo.db[COUNTERS].find_one_and_update(
        {"_id": batches.counter_id("t1")},
        {
            "$inc": {"seq": len(stmts)},
            "$max": {"stored": now_ms()},
            "$set": {f"{batches.PENDING}.{token}": {"at": at, "n": len(stmts)}},
        },
        upsert=True,
        return_document=True,
    )
    assert counter is not None
    first = int(counter["seq"]) - len(stmts) + 1
    seqs = list(range(first, first + len(stmts)))
    for seq, stmt in zip(seqs, stmts, strict=True):
        doc = statement_doc("t1", prep(stmt), seq, now_ms(), token, frozenset())
        await mongo.db[STATEMENTS].insert_one(doc)
    return seqs


async def test_a_conflict_leaves_nothing_behind_sr4(mongo: MongoStore) -> None:
    """SR-4: the rejected batch's already inserted documents are deleted, no marker stays."""
    stored = statement()
    await mongo.statements.store_statements(StatementWrite("t1", [prep(stored)], []))
    fresh = statement()
    clash = {**stored, "verb": {"id": "http://example.org/verbs/other"}}
    with pytest.raises(ConflictError):
        await mongo.statements.store_statements(
            StatementWrite("t1", [prep(fresh), prep(clash)], [])
        )
    assert await _docs(mongo) == [{"id": stored["id"], "seq": 1}]
    assert await _markers(mongo) == {batches.PENDING: {}, batches.SETTLING: {}}


async def test_a_failed_write_is_discarded_and_reported_t21(mongo: MongoStore) -> None:
    """T-21: a server error mid-batch is one StoreError (500) and leaves no statement."""
    ann = agent_key(agent("ann"))
    await mongo.db[AGENTS].insert_one({"t": "t1", "key": ann, "names": "not an array"})
    with pytest.raises(StoreError, match="could not store the statements: BulkWriteError"):
        await mongo.statements.store_statements(
            StatementWrite("t1", [prep(statement(actor=agent("ann")))], [])
        )
    assert await _docs(mongo) == []
    assert await _markers(mongo) == {batches.PENDING: {}, batches.SETTLING: {}}


async def test_a_batch_is_invisible_until_its_commit_then_whole_v46(mongo: MongoStore) -> None:
    """V-46: every statement of a pending batch is hidden from queries and lookups by id; the
    one update of its marker shows all of them at once."""
    stmts = [statement() for _ in range(3)]
    await _begin(mongo, "B", stmts, at=now_ms())
    assert await query_ids(mongo) == []
    assert await mongo.statements.get_statement("t1", stmts[0]["id"], voided=False) is None
    assert await batches.commit(mongo.db, "t1", "B")
    assert await query_ids(mongo) == [s["id"] for s in reversed(stmts)]  # newest first
    assert (await body_of(mongo, stmts[2]["id"]))["id"] == stmts[2]["id"]


async def test_a_retry_replaces_what_a_dead_batch_left_sr4(mongo: MongoStore) -> None:
    """SR-4: a batch that died before its commit stays invisible; the same statement sent again
    removes the dead batch (its outbox rows included) and is stored anew."""
    stmt, other = statement(), statement()
    seqs = await _begin(mongo, "dead", [stmt, other], at=now_ms() - HOUR_MS)
    await mongo.db[OUTBOX].insert_one({"target_id": 1, "tenant": "t1", "seq": seqs[1]})
    assert await query_ids(mongo) == []
    assert await mongo.statements.get_statement("t1", stmt["id"], voided=False) is None
    await mongo.statements.store_statements(StatementWrite("t1", [prep(stmt)], []))
    assert await _docs(mongo) == [{"id": stmt["id"], "seq": 3}]
    assert await mongo.db[OUTBOX].count_documents({}) == 0
    assert await query_ids(mongo) == [stmt["id"]]
    assert await _markers(mongo) == {batches.PENDING: {}, batches.SETTLING: {}}


async def test_an_equivalent_in_flight_statement_is_waited_for_sr4(mongo: MongoStore) -> None:
    """SR-4: a re-post racing the first write waits for it and then changes nothing."""
    stmt = statement()
    await _begin(mongo, "B", [stmt], at=now_ms())
    task = asyncio.create_task(
        mongo.statements.store_statements(StatementWrite("t1", [prep(stmt)], []))
    )
    await asyncio.sleep(0.2)
    assert not task.done()
    assert await batches.commit(mongo.db, "t1", "B")
    assert await task == [stmt["id"]]
    assert await _docs(mongo) == [{"id": stmt["id"], "seq": 1}]


async def test_a_batch_committed_by_a_writer_that_died_is_settled_on_open_sr20(
    database_url: str, mongo: MongoStore
) -> None:
    """SR-20: a writer killed after its commit, before voiding its target, leaves the batch
    visible; the next process to open the database finishes the voiding."""
    target = statement()
    await mongo.statements.store_statements(StatementWrite("t1", [prep(target)], []))
    void = voiding(target["id"])
    await _begin(mongo, "died", [void], at=now_ms() - HOUR_MS)
    assert await batches.commit(mongo.db, "t1", "died")
    await mongo.db[COUNTERS].update_one(  # committed an hour ago, then the process died
        {"_id": batches.counter_id("t1")},
        {"$set": {f"{batches.SETTLING}.died": {"at": now_ms() - HOUR_MS}}},
    )
    assert await query_ids(mongo) == [void["id"], target["id"]]  # visible, not yet settled
    restarted = MongoStore(MongoOptions(url=database_url))
    await restarted.open()
    try:
        assert await query_ids(restarted) == [void["id"]]
        assert (await body_of(restarted, target["id"], voided=True))["id"] == target["id"]
        assert await _markers(restarted) == {batches.PENDING: {}, batches.SETTLING: {}}
    finally:
        await restarted.close()


async def test_forwarding_waits_for_an_uncommitted_batch(mongo: MongoStore) -> None:
    """A target never receives a statement of a batch that is not committed, nor any later one
    before it (stored order); after the commit both go out in order."""
    target = await mongo.outbox.add_forward_target(
        ForwardTarget(tenant="t1", name="down", kind="xapi", url="http://127.0.0.1:9/xapi")
    )
    assert target.id is not None
    first, later = statement(), statement()
    [seq] = await _begin(mongo, "B", [first], at=now_ms())
    await mongo.db[OUTBOX].insert_one(
        {
            "target_id": target.id,
            "tenant": "t1",
            "seq": seq,
            "statement_id": first["id"],
            "attempts": 0,
            "dead": False,
            "last_error": None,
            "created": now_ms(),
        }
    )
    await mongo.statements.store_statements(StatementWrite("t1", [prep(later)], []))
    assert (
        await mongo.outbox.claim_forward_batch(
            target.id, owner="me", now_ms=now_ms(), lease_ms=60_000, limit=10
        )
        is None
    )
    assert await batches.commit(mongo.db, "t1", "B")
    claimed = await mongo.outbox.claim_forward_batch(
        target.id, owner="me", now_ms=now_ms(), lease_ms=60_000, limit=10
    )
    assert claimed is not None
    assert [item.statement_id for item in claimed.items] == [first["id"], later["id"]]


async def test_two_processes_share_one_order_sr12_sr45(database_url: str) -> None:
    """SR-12, SR-45: two stores on one database hand out one strictly increasing sequence."""
    first, second = (MongoStore(MongoOptions(url=database_url)) for _ in range(2))
    await asyncio.gather(first.open(), second.open())  # concurrent index creation is fine
    try:
        writes = [
            store.statements.store_statements(
                StatementWrite("t1", [prep(statement()) for _ in range(3)], [])
            )
            for _ in range(6)
            for store in (first, second)
        ]
        await asyncio.gather(*writes)
        cursor = first.db[STATEMENTS].find({}, {"seq": 1, "stored": 1}).sort("seq", 1)
        docs = await cursor.to_list()
        assert len({doc["seq"] for doc in docs}) == len(docs) == 36
        stored = [doc["stored"] for doc in docs]
        assert stored == sorted(stored)
        assert len(await query_ids(second, limit=100)) == 36
    finally:
        await asyncio.gather(first.close(), second.close())


async def test_batches_holding_each_others_twins_both_finish_sr4(mongo: MongoStore) -> None:
    """SR-4: batch B holds y pending and needs x; ours holds x and meets B's y. Ours steps back
    (withdraws x), B completes, and ours ends as a no-op, long before any orphan age."""
    x, y = statement(), statement()
    [y_seq] = await _begin(mongo, "B", [y], at=now_ms())
    coll = mongo.db[STATEMENTS]
    ours = asyncio.create_task(
        mongo.statements.store_statements(StatementWrite("t1", [prep(x), prep(y)], []))
    )
    for _ in range(2000):  # wait until our batch holds x pending: now each needs the other's
        if await coll.find_one({"id": x["id"]}) is not None:
            break
    else:
        pytest.fail("our batch never inserted x")
    x_doc = statement_doc("t1", prep(x), y_seq, now_ms(), "B", frozenset())
    for _ in range(600):  # batch B keeps trying to insert its x, as insert_pending does
        try:
            await coll.insert_one(x_doc)
            break
        except DuplicateKeyError:
            await asyncio.sleep(0.005)
    else:
        pytest.fail("batch B never got x: the two batches wait for each other")
    assert await batches.commit(mongo.db, "t1", "B")
    assert await asyncio.wait_for(ours, timeout=5) == [x["id"], y["id"]]
    assert {(d["id"], d["p"]) for d in await coll.find({}).to_list()} == {
        (x["id"], "B"),
        (y["id"], "B"),
    }


async def test_opening_a_schema_1_database_drops_its_unpublished_leftovers(
    database_url: str, mongo: MongoStore
) -> None:
    """Schema 1 published a batch by setting `p` to ""; a batch that died before that left
    invisible documents, which this release (where `p` keeps the token) removes on open."""
    published, leftover = statement(), statement()
    for seq, stmt, p in ((1, published, ""), (2, leftover, "old-token")):
        doc = statement_doc("t1", prep(stmt), seq, now_ms(), p, frozenset())
        await mongo.db[STATEMENTS].insert_one(doc)
    counter = {"_id": batches.counter_id("t1"), "seq": 2, "stored": now_ms()}
    await mongo.db[COUNTERS].insert_one(counter)
    await mongo.db["meta"].update_one({"_id": "schema"}, {"$set": {"version": 1}})
    upgraded = MongoStore(MongoOptions(url=database_url))
    await upgraded.open()
    try:
        assert [d["id"] for d in await _docs(upgraded)] == [published["id"]]
        assert await query_ids(upgraded) == [published["id"]]
    finally:
        await upgraded.close()


async def test_forwarding_goes_on_past_a_batch_whose_writer_died(mongo: MongoStore) -> None:
    """A batch left uncommitted by a dead writer holds its target back only until the orphan
    age: then the forwarder removes it (rows included) and sends what follows."""
    target = await mongo.outbox.add_forward_target(
        ForwardTarget(tenant="t1", name="down", kind="xapi", url="http://127.0.0.1:9/xapi")
    )
    assert target.id is not None
    dead, later = statement(), statement()
    [seq] = await _begin(mongo, "dead", [dead], at=now_ms() - HOUR_MS)
    await mongo.db[OUTBOX].insert_one(
        {
            "target_id": target.id,
            "tenant": "t1",
            "seq": seq,
            "statement_id": dead["id"],
            "attempts": 0,
            "dead": False,
            "last_error": None,
            "created": now_ms(),
        }
    )
    await mongo.db[COUNTERS].update_one(  # the writer of `later` saw no stale marker yet
        {"_id": batches.counter_id("t1")}, {"$set": {"pending.dead.at": now_ms()}}
    )
    await mongo.statements.store_statements(StatementWrite("t1", [prep(later)], []))
    await mongo.db[COUNTERS].update_one(
        {"_id": batches.counter_id("t1")}, {"$set": {"pending.dead.at": now_ms() - HOUR_MS}}
    )

    async def claim() -> OutboxBatch | None:
        assert target.id is not None
        return await mongo.outbox.claim_forward_batch(
            target.id, owner="me", now_ms=now_ms(), lease_ms=60_000, limit=10
        )

    assert await claim() is None  # the dead batch holds the target back, and is removed
    claimed = await claim()
    assert claimed is not None
    assert [item.statement_id for item in claimed.items] == [later["id"]]
    assert await _docs(mongo) == [{"id": later["id"], "seq": 2}]

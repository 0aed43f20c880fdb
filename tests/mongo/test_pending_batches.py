"""Batches on a MongoDB server without transactions: invisible until published (SR-4, SR-7).

These look inside the collections, so they are MongoDB-specific; the behaviour every adapter
shares is in tests/store.
"""

from __future__ import annotations

import asyncio

import pytest
from pymongo.errors import DuplicateKeyError

from service.model.clock import now_ms
from service.model.errors import ConflictError, StoreError
from service.model.statements import StatementWrite
from service.store.mongo import MongoStore
from service.store.mongo.schema import AGENTS, STATEMENTS
from service.store.mongo.statement_docs import COMMITTED, statement_doc
from service.store.mongo.statement_writes import publish
from service.xapi.agents import agent_key
from tests.builders import agent, statement
from tests.store.statement_support import prep, query_ids

pytestmark = pytest.mark.asyncio


async def _docs(mongo: MongoStore) -> list[dict[str, object]]:
    return await mongo.db[STATEMENTS].find({}, {"_id": 0, "id": 1, "p": 1, "seq": 1}).to_list()


async def _leave_pending(mongo: MongoStore, stmt: dict[str, object], stored_ms: int) -> None:
    """What a batch that died between insert and publish leaves behind (with `seq` 0)."""
    doc = statement_doc(
        "t1", prep(stmt), seq=0, stored_ms=stored_ms, token="dead-batch", sent=frozenset()
    )
    await mongo.db[STATEMENTS].insert_one(doc)


async def test_a_conflict_leaves_nothing_behind_sr4(mongo: MongoStore) -> None:
    """SR-4: the rejected batch's already inserted documents are deleted, none stay pending."""
    stored = statement()
    await mongo.statements.store_statements(StatementWrite("t1", [prep(stored)], []))
    fresh = statement()
    clash = {**stored, "verb": {"id": "http://example.org/verbs/other"}}
    with pytest.raises(ConflictError):
        await mongo.statements.store_statements(
            StatementWrite("t1", [prep(fresh), prep(clash)], [])
        )
    assert await _docs(mongo) == [{"id": stored["id"], "p": COMMITTED, "seq": 1}]


async def test_a_failed_write_is_discarded_and_reported_t21(mongo: MongoStore) -> None:
    """T-21: a server error mid-batch is one StoreError (500) and leaves no statement."""
    ann = agent_key(agent("ann"))
    await mongo.db[AGENTS].insert_one({"t": "t1", "key": ann, "names": "not an array"})
    with pytest.raises(StoreError, match="could not store the statements: BulkWriteError"):
        await mongo.statements.store_statements(
            StatementWrite("t1", [prep(statement(actor=agent("ann")))], [])
        )
    assert await _docs(mongo) == []


async def test_a_retry_adopts_what_a_dead_batch_left_sr4(mongo: MongoStore) -> None:
    """SR-4: an orphaned pending statement is invisible until a retry publishes it anew."""
    stmt = statement()
    await _leave_pending(mongo, stmt, stored_ms=now_ms() - 3_600_000)
    assert await query_ids(mongo) == []
    assert await mongo.statements.get_statement("t1", stmt["id"], voided=False) is None
    await mongo.statements.store_statements(StatementWrite("t1", [prep(stmt)], []))
    [doc] = await _docs(mongo)
    assert (doc["p"], doc["seq"]) == (COMMITTED, 1)
    assert await query_ids(mongo) == [stmt["id"]]


async def test_an_equivalent_in_flight_statement_is_waited_for_sr4(mongo: MongoStore) -> None:
    """SR-4: a re-post racing the first write waits for it and then changes nothing."""
    stmt = statement()
    await _leave_pending(mongo, stmt, stored_ms=now_ms())
    task = asyncio.create_task(
        mongo.statements.store_statements(StatementWrite("t1", [prep(stmt)], []))
    )
    await asyncio.sleep(0.2)
    assert not task.done()
    await mongo.db[STATEMENTS].update_one({"id": stmt["id"]}, {"$set": {"p": COMMITTED}})
    assert await task == [stmt["id"]]
    assert await _docs(mongo) == [{"id": stmt["id"], "p": COMMITTED, "seq": 0}]


async def test_two_processes_share_one_order_sr12_sr45(database_url: str) -> None:
    """SR-12, SR-45: two stores on one database hand out one strictly increasing sequence."""
    from service.store.mongo import MongoOptions

    first, second = (
        MongoStore(MongoOptions(url=database_url, transactions="never")) for _ in range(2)
    )
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
    b_docs = {
        s["id"]: statement_doc(
            "t1", prep(s), seq=0, stored_ms=now_ms(), token="B", sent=frozenset()
        )
        for s in (x, y)
    }
    coll = mongo.db[STATEMENTS]
    await coll.insert_one(b_docs[y["id"]])
    ours = asyncio.create_task(
        mongo.statements.store_statements(StatementWrite("t1", [prep(x), prep(y)], []))
    )
    for _ in range(2000):  # wait until our batch holds x pending: now each needs the other's
        if await coll.find_one({"id": x["id"], "p": {"$ne": "B"}}) is not None:
            break
    else:
        pytest.fail("our batch never inserted x")
    for _ in range(600):  # batch B keeps trying to insert its x, as insert_pending does
        try:
            await coll.insert_one(b_docs[x["id"]])
            break
        except DuplicateKeyError:
            await asyncio.sleep(0.005)
    else:
        pytest.fail("batch B never got x: the two batches wait for each other")
    await publish(coll, "t1", [x["id"], y["id"]], "B")
    assert await asyncio.wait_for(ours, timeout=5) == [x["id"], y["id"]]
    assert {(d["id"], d["p"], d["seq"]) for d in await _docs(mongo)} == {
        (x["id"], COMMITTED, 0),
        (y["id"], COMMITTED, 0),
    }

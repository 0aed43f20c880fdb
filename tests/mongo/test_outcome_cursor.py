"""Evaluation never passes a statement that becomes visible later (MongoDB commit markers).

A batch reserves its sequence numbers before it inserts and commits; a later batch may commit
first with higher numbers. `read_statements_after` must stop below the slow batch until it
commits, or the cursor would move past it and its statements would never be evaluated.
"""

from __future__ import annotations

import orjson
import pytest

from service.store.mongo import MongoStore, batches, schema
from service.store.mongo.statement_docs import statement_doc
from tests.builders import statement
from tests.store.statement_support import prep, put

pytestmark = pytest.mark.asyncio


async def _ids(mongo: MongoStore, after: int = 0) -> list[str]:
    assert mongo.outcomes is not None
    page = await mongo.outcomes.evaluation.read_statements_after("t1", after, 50)
    return [orjson.loads(item.body or b"{}")["id"] for item in page]


async def test_a_slow_batch_holds_evaluation_back_until_it_commits(mongo: MongoStore) -> None:
    first, slow, fast = statement(), statement(), statement()
    await put(mongo, first)
    db = mongo.db
    async with mongo.connection.sequence.reserve("t1", 1, "slow") as reserved:
        # numbers reserved, nothing inserted: where the batch lies is unknown, nothing is read
        assert await _ids(mongo) == []
        doc = statement_doc(
            "t1", prep(slow), reserved.seq(0), reserved.stored_ms, "slow", frozenset()
        )
        await db[schema.STATEMENTS].insert_one(doc)
        assert await _ids(mongo) == [first["id"]]
        await put(mongo, fast)  # commits with a higher seq while the slow batch is pending
        assert await _ids(mongo) == [first["id"]]
        assert await batches.commit(db, "t1", "slow")
        assert await _ids(mongo) == [first["id"]]  # committed, its voiding not settled yet
        await batches.settled(db, "t1", "slow")
        assert await _ids(mongo) == [first["id"], slow["id"], fast["id"]]


async def test_a_batch_that_died_is_recovered_and_passed(mongo: MongoStore) -> None:
    """A pending batch older than the orphan age died with its process: the read aborts it
    (as any writer would) and goes on past it."""
    first, dead, later = statement(), statement(), statement()
    await put(mongo, first)
    db = mongo.db
    async with mongo.connection.sequence.reserve("t1", 1, "dead") as reserved:
        doc = statement_doc(
            "t1", prep(dead), reserved.seq(0), reserved.stored_ms, "dead", frozenset()
        )
        await db[schema.STATEMENTS].insert_one(doc)
    await put(mongo, later)
    assert await _ids(mongo) == [first["id"]]
    await db[schema.COUNTERS].update_one(
        {"_id": batches.counter_id("t1")}, {"$set": {"pending.dead.at": 0}}
    )
    assert await _ids(mongo) == [first["id"], later["id"]]
    assert await db[schema.STATEMENTS].count_documents({"t": "t1", "p": "dead"}) == 0

"""On MongoDB a batch with lower sequence numbers may commit after one with higher numbers: the
feed's cursor stops below a pending batch instead of passing (and so skipping) it."""

from __future__ import annotations

from pathlib import Path

import pytest

from service.store.mongo import MongoStore, batches
from tests.builders import statement
from tests.mongo_support import MONGODB_URL
from tests.store.conftest import mongo_store
from tests.store.statement_support import put


def test_low_water_stays_below_the_oldest_pending_batch() -> None:
    assert batches.low_water(None) == 0
    assert batches.low_water({"seq": 9}) == 9
    counter = {
        "seq": 9,
        "pending": {"a": {"at": 1, "n": 3, "last": 5}, "b": {"at": 1, "n": 1, "last": 9}},
    }
    assert batches.low_water(counter) == 2
    assert batches.low_water({"seq": 9, "pending": {"a": {"at": 1, "n": 3}}}) is None


@pytest.mark.skipif(not MONGODB_URL, reason="needs the MongoDB test server (LRS_TEST_MONGODB_URL)")
async def test_a_slow_batch_with_lower_numbers_is_not_skipped(tmp_path: Path) -> None:
    async with mongo_store(tmp_path) as opened:
        assert isinstance(opened, MongoStore)
        store = opened
        async with store.connection.sequence.reserve("default", 1, "slow") as slow:
            later = statement()
            await put(store, later, tenant="default")
            page = await store.feed.feed_statements("default", 0, 10)
            assert page.rows == []
            assert page.through_seq < slow.last_seq
            assert slow.last_seq == 1
        # its writer died: once the marker is older than the orphan age, the feed finishes it
        counters = store.connection.db["counters"]
        await counters.update_one(
            {"_id": batches.counter_id("default")}, {"$set": {"pending.slow.at": 0}}
        )
        page = await store.feed.feed_statements("default", 0, 10)
        assert [r.statement_id for r in page.rows] == [later["id"]]
        assert page.through_seq == 2

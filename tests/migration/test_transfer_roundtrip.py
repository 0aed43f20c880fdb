"""Forwarding state and erasure records survive SQLite -> MongoDB -> SQLite copies.

Targets (with their delivery counters), pending outbox rows, dead letters and erasure records
are compared through the storage ports of each store, as the admin API shows them.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import orjson
import pytest

from service.model.clock import now_ms
from service.model.forwarding import DeliveryOutcome, ForwardTarget
from service.model.statements import StatementWrite
from service.outcomes.learners import learner_of_key
from service.store.migration.endpoints import open_source, open_target
from service.store.migration.runner import migrate
from service.store.mongo import MongoOptions, MongoStore
from service.store.ports import Store
from service.store.sqlite import SQLiteStore
from service.xapi.agents import agent_key
from tests.builders import agent, statement
from tests.store.statement_support import prep

pytestmark = pytest.mark.asyncio


@pytest.fixture
def mongo_url(fresh_mongo_url: str) -> str:
    return fresh_mongo_url


async def _fill(store: Store) -> None:
    """Two targets, statements queued for both, one target's first row dead, one erasure."""
    targets = [
        await store.outbox.add_forward_target(
            ForwardTarget(
                tenant="default", name=name, kind="xapi", url=f"http://127.0.0.1:9/{name}"
            )
        )
        for name in ("down", "up")
    ]
    for who in ("ann", "bob", "cy"):
        write = StatementWrite("default", [prep(statement(actor=agent(who))) for _ in range(2)], [])
        await store.statements.store_statements(write)
    down = targets[0].id
    assert down is not None
    batch = await store.outbox.claim_forward_batch(
        down, owner="me", now_ms=now_ms(), lease_ms=60_000, limit=10
    )
    assert batch is not None
    failed = DeliveryOutcome(
        delivered=[], failed=batch.items[0].outbox_id, error="refused", max_attempts=1
    )
    await store.outbox.finish_forward_batch(down, owner="me", now_ms=now_ms(), outcome=failed)
    bob = agent_key(agent("bob"))
    assert bob is not None
    await store.erasure.erase_agent(
        "default", bob, learner=learner_of_key(bob), erased_by="admin", pseudonym={"name": "erased"}
    )


async def _state(store: Store) -> dict[str, Any]:
    targets = await store.outbox.list_forward_targets("default")
    letters = await store.outbox.list_dead_letters("default")
    return {
        "targets": targets,
        "dead": [replace(letter, outbox_id=0) for letter in letters],  # ids are each store's
        "erasures": await store.erasure.list_erasures("default"),
    }


async def _copy(source_url: str, target_url: str) -> None:
    async with open_source(source_url) as source, open_target(target_url) as target:
        result = await migrate(source, target)
    assert result.problems == []


async def test_forwarding_and_erasures_survive_both_directions(
    tmp_path: Path, mongo_url: str
) -> None:
    first = SQLiteStore(tmp_path / "first.sqlite3")
    await first.open()
    try:
        await _fill(first)
        original = await _state(first)
    finally:
        await first.close()
    assert original["dead"]
    assert original["erasures"]
    assert {t.pending for t in original["targets"]} == {3, 4}  # bob's were erased
    await _copy(f"sqlite:///{tmp_path / 'first.sqlite3'}", mongo_url)
    mongo = MongoStore(MongoOptions(url=mongo_url))
    await mongo.open()
    try:
        assert await _state(mongo) == original
    finally:
        await mongo.close()
    await _copy(mongo_url, f"sqlite:///{tmp_path / 'back.sqlite3'}")
    back = SQLiteStore(tmp_path / "back.sqlite3")
    await back.open()
    try:
        assert await _state(back) == original
    finally:
        await back.close()


async def test_a_chunk_imported_again_adds_only_what_is_missing_in_order(mongo_url: str) -> None:
    """A resumed copy sends again the chunk the interruption cut: statements already there
    are skipped, the others follow them in the order given, none twice."""
    source_statements = [prep(statement()) for _ in range(4)]
    records: list[dict[str, Any]] = [
        {
            "tenant": "default",
            "id": new.id,
            "stored": 1_000 + n,
            "voided": False,
            "ref": None,
            "voids": None,
            "body": orjson.dumps({**new.statement, "stored": "x"}),
            "keys": [],
            "authority": None,
            "uploaded": None,
        }
        for n, new in enumerate(source_statements)
    ]
    async with open_target(mongo_url) as target:
        assert await target.import_records("statements", records[:2]) == 2
        assert await target.import_records("statements", records) == 2
        assert await target.import_records("statements", [records[3], records[2]]) == 0
        order = [tenant_id async for tenant_id in target.identities("statements")]
    mongo = MongoStore(MongoOptions(url=mongo_url))
    await mongo.open()
    try:
        ids = [d["id"] async for d in mongo.db["statements"].find({}).sort("seq", 1)]
    finally:
        await mongo.close()
    assert ids == [r["id"] for r in records]
    assert len(order) == 4

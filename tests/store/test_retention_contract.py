"""Storage contract of retention (issue 20): policies, counting and deleting by `stored` or
`timestamp`, tombstones, outbox rows gone with their statements; against every adapter."""

from __future__ import annotations

import pytest

from service.model.clock import now_ms
from service.model.forwarding import ForwardTarget
from service.model.retention import RetentionPolicy
from service.store.ports import Store
from tests.builders import statement
from tests.store.statement_support import put

pytestmark = pytest.mark.asyncio


async def test_policies_are_kept_per_tenant(store: Store) -> None:
    await store.retention.set_retention_policy("t1", RetentionPolicy("P3Y", "stored"))
    await store.retention.set_retention_policy("t2", RetentionPolicy("P90D", "timestamp"))
    await store.retention.set_retention_policy("t2", RetentionPolicy("P1Y", "timestamp"))
    await store.retention.set_retention_policy("t3", None)
    assert await store.retention.retention_policies() == {
        "t1": RetentionPolicy("P3Y", "stored"),
        "t2": RetentionPolicy("P1Y", "timestamp"),
    }
    await store.retention.set_retention_policy("t1", None)
    assert list(await store.retention.retention_policies()) == ["t2"]


async def test_statements_stored_before_the_cutoff_go_with_their_outbox_rows(store: Store) -> None:
    target = await store.outbox.add_forward_target(
        ForwardTarget(tenant="t1", name="dw", kind="xapi", url="http://127.0.0.1:9/x")
    )
    old = await put(store, *(statement() for _ in range(3)))
    cutoff = now_ms()
    new = await put(store, statement())
    other = await put(store, statement(), tenant="t2")
    retention = store.retention
    assert await retention.count_expired("t1", "stored", cutoff) == 3
    first = await retention.delete_expired("t1", "stored", cutoff, limit=2, now_ms=cutoff)
    rest = await retention.delete_expired("t1", "stored", cutoff, limit=2, now_ms=cutoff)
    assert first.statement_ids + rest.statement_ids == old
    assert (first.outbox_deleted, rest.outbox_deleted) == (2, 1)
    assert await retention.count_expired("t1", "stored", cutoff) == 0
    for statement_id in old:
        assert await store.statements.get_statement("t1", statement_id, voided=False) is None
    for tenant, statement_id in (("t1", new[0]), ("t2", other[0])):
        assert await store.statements.get_statement(tenant, statement_id, voided=False)
    assert [t[1] for t in await retention.list_tombstones("t1", 0, 10)] == old
    assert await retention.list_tombstones("t2", 0, 10) == []
    [status] = await store.outbox.list_forward_targets("t1")
    assert (status.target.id, status.pending) == (target.id, 1)


async def test_timestamps_before_the_cutoff_go(store: Store) -> None:
    ancient = await put(store, statement(timestamp="2019-05-01T10:00:00.000Z"))
    recent = await put(store, statement(timestamp="2099-01-01T00:00:00.000Z"), statement())
    cutoff = RetentionPolicy("P3Y", "timestamp").cutoff_ms(now_ms())
    retention = store.retention
    assert await retention.count_expired("t1", "timestamp", cutoff) == 1
    batch = await retention.delete_expired("t1", "timestamp", cutoff, limit=10, now_ms=0)
    assert batch.statement_ids == ancient
    assert await retention.count_expired("t1", "timestamp", cutoff) == 0
    for statement_id in recent:
        assert await store.statements.get_statement("t1", statement_id, voided=False)

"""The QuotaStore contract on every adapter: a GCRA budget per key, exact at given instants."""

from __future__ import annotations

import pytest

from service.store.ports import Store

pytestmark = pytest.mark.asyncio
INTERVAL, BURST = 500.0, 3  # 2 requests/s, a bucket of 3
TOLERANCE = (BURST - 1) * INTERVAL


async def test_a_burst_then_one_request_per_interval(store: Store) -> None:
    now = 1_000_000.0
    waits = [await store.quotas.take("k", now, INTERVAL, TOLERANCE) for _ in range(BURST + 1)]
    assert waits == [0.0] * BURST + [INTERVAL]
    assert await store.quotas.take("k", now + INTERVAL / 2, INTERVAL, TOLERANCE) == INTERVAL / 2
    assert await store.quotas.take("k", now + INTERVAL, INTERVAL, TOLERANCE) == 0.0
    assert await store.quotas.take("k", now + INTERVAL, INTERVAL, TOLERANCE) == INTERVAL
    assert await store.quotas.take("other", now, INTERVAL, TOLERANCE) == 0.0  # its own budget


async def test_an_idle_key_gets_its_whole_burst_back(store: Store) -> None:
    now = 5_000_000.0
    for _ in range(BURST):
        assert await store.quotas.take("k", now, INTERVAL, TOLERANCE) == 0.0
    later = now + 10 * INTERVAL
    waits = [await store.quotas.take("k", later, INTERVAL, TOLERANCE) for _ in range(BURST + 1)]
    assert waits == [0.0] * BURST + [INTERVAL]

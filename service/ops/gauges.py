"""Gauges that need a store query (backlog, dead letters, size), refreshed when scraped."""

from __future__ import annotations

import asyncio
import logging
import time

from service.ops.metrics import Metrics
from service.store.ports import OutboxStore, OutcomeEvaluationStore, StoreLifecycle

log = logging.getLogger("service.ops")
REFRESH_SECONDS = 5.0  # scrapes closer together reuse the last values
QUERY_SECONDS = 2.0  # a slow store leaves the last values in place rather than stall a scrape


class GaugeSampler:
    """Sets the store-derived gauges of `metrics`; at most one refresh runs at a time."""

    def __init__(
        self,
        metrics: Metrics,
        store: StoreLifecycle,
        outbox: OutboxStore,
        outcomes: OutcomeEvaluationStore | None,
    ) -> None:
        self._metrics = metrics
        self._store = store
        self._outbox = outbox
        self._outcomes = outcomes
        self._lock = asyncio.Lock()
        self._refreshed = float("-inf")
        self._caught_up: dict[str, float] = {}  # tenant -> when its backlog was last seen empty

    async def refresh(self) -> None:
        """Query the store unless the values are fresh; failures are logged, never raised."""
        async with self._lock:
            if time.monotonic() - self._refreshed < REFRESH_SECONDS:
                return
            try:
                await asyncio.wait_for(self._sample(), QUERY_SECONDS)
            except Exception as exc:  # a scrape still answers, with the last values
                log.warning("metrics: store-derived gauges not refreshed: %r", exc)
            self._refreshed = time.monotonic()

    async def _sample(self) -> None:
        metrics = self._metrics
        metrics.store_size.set(await self._store.size_bytes())
        metrics.outbox_depth.set(await self._outbox.outbox_depth())
        dead = await self._outbox.dead_letter_counts()
        metrics.dead_letters.clear()
        for (tenant, target), count in dead.items():
            metrics.dead_letters.labels(tenant, target).set(count)
        if self._outcomes is not None:
            await self._sample_outcomes(self._outcomes)

    async def _sample_outcomes(self, store: OutcomeEvaluationStore) -> None:
        now = time.monotonic()
        backlog: dict[str, int] = {}
        for tenant in await store.outcome_tenants():
            versions = await store.list_outcome_maps(tenant)
            cursors = [v.cursor for v in versions if v.status != "retired"]
            if cursors:
                backlog[tenant] = await store.count_statements_after(tenant, min(cursors))
        self._metrics.outcome_backlog.clear()
        self._metrics.outcome_lag.clear()
        for tenant, pending in backlog.items():
            if pending == 0:
                self._caught_up[tenant] = now
            since = self._caught_up.setdefault(tenant, now)
            self._metrics.outcome_backlog.labels(tenant).set(pending)
            self._metrics.outcome_lag.labels(tenant).set(now - since)

"""Stores opened several times on one database, as several processes open them, for the tests
of evaluation under a lease; MongoDB joins once it keeps outcome state."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from service.model.outcomes import AttainmentQuery
from service.store.factory import make_store
from service.store.mongo import MongoOptions, MongoStore
from service.store.ports import Store
from tests.conftest import make_settings
from tests.mongo_support import MONGODB_URL, drop_database, fresh_database_url

# Outcomes on MongoDB arrive with another branch (issue 16 item 1): until MongoStore keeps
# outcome state these variants are skipped, and they run by themselves once it does.
MONGODB_KEEPS_OUTCOMES = MongoStore(MongoOptions(url="mongodb://127.0.0.1")).outcomes is not None
MONGODB_VARIANT = pytest.param(
    "mongodb",
    marks=pytest.mark.skipif(
        not MONGODB_KEEPS_OUTCOMES, reason="MongoStore keeps no outcome state yet (issue 16.1)"
    ),
)
STORE_KINDS = ["sqlite", MONGODB_VARIANT] if MONGODB_URL else ["sqlite"]

Opener = Callable[[], AbstractAsyncContextManager[Store]]


@asynccontextmanager
async def shared_database(kind: str, tmp_path: Path) -> AsyncIterator[tuple[str, Opener]]:
    """A fresh database: its store URL and a way to open one more store on it."""
    url = f"sqlite:///{tmp_path / 'lrs.sqlite3'}" if kind == "sqlite" else fresh_database_url()

    @asynccontextmanager
    async def opened() -> AsyncIterator[Store]:
        store = make_store(make_settings(tmp_path, store_url=url))
        await store.open()
        try:
            yield store
        finally:
            await store.close()

    try:
        yield url, opened
    finally:
        if kind == "mongodb":
            await drop_database(url)


async def open_many(stack: AsyncExitStack, opener: Opener, count: int) -> list[Store]:
    return [await stack.enter_async_context(opener()) for _ in range(count)]


async def current_attainments(store: Store, tenant: str) -> list[tuple[Any, ...]]:
    """The current version's attainments as a user sees them (without the ids of the
    statements announcing them: which intermediate attainments were announced depends on how
    arrivals fell into pages)."""
    outcomes = store.outcomes
    assert outcomes is not None
    (version,) = [
        v for v in await outcomes.evaluation.list_outcome_maps(tenant) if v.status == "current"
    ]
    rows = await outcomes.reports.query_attainments(
        tenant, AttainmentQuery(version=version.version, limit=100_000)
    )
    return [
        (
            r.record.learner,
            r.record.outcome,
            r.record.attained_ms,
            r.record.level,
            r.record.evidence,
        )
        for r in rows
    ]

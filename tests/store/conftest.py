"""The `store` fixture: every contract test runs once per adapter (ARCHITECTURE rule 11).

ADAPTERS maps an adapter name to a factory of an opened store that is cleaned up afterwards.
The MongoDB adapters join when LRS_TEST_MONGODB_URL is set (`make test` sets it): `mongodb` as
configured by default (batches without transactions on a standalone server), `mongodb-txn`
with transactions forced, which only a genuine replica set provides.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path

import pytest

from service.store.mongo import MongoOptions, MongoStore
from service.store.ports import Store
from service.store.sqlite import SQLiteStore
from tests.mongo_support import MONGODB_URL, drop_database, fresh_database_url, require_replica_set

Adapter = Callable[[Path], AbstractAsyncContextManager[Store]]


@asynccontextmanager
async def sqlite_store(tmp: Path) -> AsyncIterator[Store]:
    store = SQLiteStore(tmp / "contract.sqlite3")
    await store.open()
    try:
        yield store
    finally:
        await store.close()


def mongo_store(*, transactions: bool) -> Adapter:
    @asynccontextmanager
    async def open_store(tmp: Path) -> AsyncIterator[Store]:
        if transactions:
            require_replica_set()
        url = fresh_database_url()
        store = MongoStore(
            MongoOptions(url=url, transactions="always" if transactions else "never")
        )
        await store.open()
        try:
            yield store
        finally:
            await store.close()
            await drop_database(url)

    return open_store


ADAPTERS: dict[str, Adapter] = {"sqlite": sqlite_store}
if MONGODB_URL:
    ADAPTERS["mongodb"] = mongo_store(transactions=False)
    ADAPTERS["mongodb-txn"] = mongo_store(transactions=True)


@pytest.fixture(params=sorted(ADAPTERS))
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    async with ADAPTERS[request.param](tmp_path) as adapter:
        yield adapter

"""The `store` fixture: every contract test runs once per adapter (ARCHITECTURE rule 11).

ADAPTERS maps an adapter name to a factory of an opened store that is cleaned up afterwards.
The MongoDB adapter joins when LRS_TEST_MONGODB_URL is set (`make test` sets it); it has one
write path on every deployment (no multi-document transactions), so the path tested is the one
production runs.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path

import pytest

from service.store.mongo import MongoOptions, MongoStore
from service.store.ports import Store
from service.store.sqlite import SQLiteStore
from tests.mongo_support import MONGODB_URL, drop_database, fresh_database_url

Adapter = Callable[[Path], AbstractAsyncContextManager[Store]]


@asynccontextmanager
async def sqlite_store(tmp: Path, *, writer_process: bool = False) -> AsyncIterator[Store]:
    store = SQLiteStore(tmp / "contract.sqlite3", statement_writer_process=writer_process)
    await store.open()
    try:
        yield store
    finally:
        await store.close()


def sqlite_writer_process_store(tmp: Path) -> AbstractAsyncContextManager[Store]:
    """SQLite with statements written by a writer process, as under `serve`."""
    return sqlite_store(tmp, writer_process=True)


@asynccontextmanager
async def mongo_store(tmp: Path) -> AsyncIterator[Store]:
    url = fresh_database_url()
    store = MongoStore(MongoOptions(url=url))
    await store.open()
    try:
        yield store
    finally:
        await store.close()
        await drop_database(url)


ADAPTERS: dict[str, Adapter] = {
    "sqlite": sqlite_store,
    "sqlite-writer-process": sqlite_writer_process_store,
}
if MONGODB_URL:
    ADAPTERS["mongodb"] = mongo_store


@pytest.fixture(params=sorted(ADAPTERS))
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    async with ADAPTERS[request.param](tmp_path) as adapter:
        yield adapter

"""Fixtures of the MongoDB-specific tests; they need LRS_TEST_MONGODB_URL (`make test` sets it)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from service.store.mongo import MongoOptions, MongoStore


@pytest.fixture
def database_url(fresh_mongo_url: str) -> str:
    """A fresh database on the test server, dropped afterwards."""
    return fresh_mongo_url


@pytest.fixture
async def mongo(database_url: str) -> AsyncIterator[MongoStore]:
    """An opened MongoStore on that database."""
    store = MongoStore(MongoOptions(url=database_url))
    await store.open()
    try:
        yield store
    finally:
        await store.close()

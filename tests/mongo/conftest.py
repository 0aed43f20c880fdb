"""Fixtures of the MongoDB-specific tests; they need LRS_TEST_MONGODB_URL (`make test` sets it)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from service.store.mongo import MongoOptions, MongoStore
from tests.mongo_support import MONGODB_URL, drop_database, fresh_database_url


@pytest.fixture
async def database_url() -> AsyncIterator[str]:
    """A fresh database on the test server, dropped afterwards."""
    if not MONGODB_URL:
        pytest.skip("LRS_TEST_MONGODB_URL is not set (make test sets it)")
    url = fresh_database_url()
    try:
        yield url
    finally:
        await drop_database(url)


@pytest.fixture
async def mongo(database_url: str) -> AsyncIterator[MongoStore]:
    """An opened MongoStore on that database."""
    store = MongoStore(MongoOptions(url=database_url))
    await store.open()
    try:
        yield store
    finally:
        await store.close()

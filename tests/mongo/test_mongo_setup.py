"""Choosing, configuring and opening the MongoDB store (issue 4)."""

from __future__ import annotations

import asyncio
import gc
import re
import warnings
from pathlib import Path

import pytest
from pydantic import ValidationError

from service import __version__
from service.model.errors import StoreError
from service.settings import MongoSettings, Settings
from service.store.factory import make_store
from service.store.mongo import MongoOptions, MongoStore
from service.store.mongo.schema import INDEXES, META, SCHEMA_VERSION, STATEMENTS, TENANTS
from service.store.mongo.sequence import SequenceAllocator
from tests.conftest import make_settings
from tests.server.served import free_port


@pytest.mark.parametrize("url", ["mongodb://db1,db2/lrs?replicaSet=rs", "mongodb+srv://x.test/"])
def test_mongodb_urls_select_the_mongo_store(tmp_path: Path, url: str) -> None:
    """LRS_STORE_URL picks the adapter; nothing connects before `open`."""
    store = make_store(make_settings(tmp_path, store_url=url))
    assert isinstance(store, MongoStore)
    assert store.kind == "mongodb"
    assert store.options.url == url


async def test_settings_reach_the_client(tmp_path: Path) -> None:
    """Write concern majority+journal by default; every LRS_MONGO_* value is passed on."""
    default = MongoOptions.from_settings(make_settings(tmp_path, store_url="mongodb://h/lrs"))
    client = default.client()
    try:
        assert client.write_concern.document == {"w": "majority", "j": True}
        assert client.read_preference.mongos_mode == "primary"
        assert client.options.timeout == 10.0
    finally:
        await client.close()
    tuned = MongoOptions.from_settings(
        make_settings(
            tmp_path,
            store_url="mongodb://h/lrs",
            mongo_write_concern="2",
            mongo_journal=False,
            mongo_read_preference="secondaryPreferred",
            mongo_timeout_ms=2500,
        )
    )
    client = tuned.client()
    try:
        assert client.write_concern.document == {"w": 2, "j": False}
        assert client.read_preference.mongos_mode == "secondaryPreferred"
        assert client.options.timeout == 2.5
    finally:
        await client.close()


def test_mongo_variables_fill_the_mongo_section(monkeypatch: pytest.MonkeyPatch) -> None:
    """LRS_MONGO_* keep their names; a bad value is reported under its variable."""
    monkeypatch.setenv("LRS_MONGO_TIMEOUT_MS", "1500")
    monkeypatch.setenv("LRS_MONGO_CONSISTENCY_LAG_MS", "40")
    settings = Settings(_env_file=None, store_url="mongodb://h/lrs")
    assert (settings.mongo.timeout_ms, settings.mongo.consistency_lag_ms) == (1500, 40)
    assert MongoOptions.from_settings(settings).timeout_ms == 1500
    monkeypatch.setenv("LRS_MONGO_TIMEOUT_MS", "0")
    with pytest.raises(ValidationError, match="LRS_MONGO_TIMEOUT_MS"):
        Settings(_env_file=None)


async def test_an_unreachable_server_is_one_clear_store_error_t21() -> None:
    """T-21: a server that never answers is one StoreError naming the host and the timeout."""
    port = free_port()  # nothing listens there
    options = MongoOptions(
        f"mongodb://127.0.0.1:{port}/lrs", MongoSettings(_env_file=None, timeout_ms=300)
    )
    reason = f"MongoDB at 127.0.0.1:{port} did not answer within 300 ms"
    with pytest.raises(StoreError, match=reason):
        await MongoStore(options).open()
    # PyMongo's monitor, cancelled by close() in the middle of a connect, leaves that socket to
    # the garbage collector; finalize it here rather than fail whichever test runs next.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        await asyncio.sleep(0)
        gc.collect()


async def test_opening_again_creates_nothing_new(mongo: MongoStore, database_url: str) -> None:
    """Index creation is idempotent: a second process opening the database changes nothing."""
    before = await mongo.db[STATEMENTS].index_information()
    assert len(before) == len(INDEXES[STATEMENTS]) + 1  # and _id
    again = MongoStore(MongoOptions(url=database_url))
    await again.open()
    try:
        assert await again.db[STATEMENTS].index_information() == before
    finally:
        await again.close()


async def test_a_database_written_by_a_newer_release_is_refused(
    mongo: MongoStore, database_url: str
) -> None:
    """No downgrade: this release records its schema, and refuses a newer one untouched."""
    meta = mongo.db[META]
    assert await meta.find_one({"_id": "schema"}) == {
        "_id": "schema",
        "version": SCHEMA_VERSION,
        "release": __version__,
    }
    newer = {"_id": "schema", "version": 99, "release": "9.9.9"}
    await meta.replace_one({"_id": "schema"}, newer)
    await mongo.db[TENANTS].delete_many({})
    reason = (
        f"this store was written by lrs-service 9.9.9 (schema 99); this release "
        f"({__version__}) reads schema up to {SCHEMA_VERSION}: upgrade the service"
    )
    with pytest.raises(StoreError, match=re.escape(reason)):
        await MongoStore(MongoOptions(url=database_url)).open()
    assert await meta.find_one({"_id": "schema"}) == newer
    assert await mongo.db[TENANTS].count_documents({}) == 0  # nothing written on the way


async def test_consistent_through_waits_for_writes_in_flight_t18(mongo: MongoStore) -> None:
    """T-18: while a write holds a reservation, Consistent-Through stays before its `stored`."""
    allocator = SequenceAllocator(mongo.db["counters"], lag_ms=0)
    async with allocator.reserve("t1", 3, "batch") as reservation:
        assert allocator.consistent_through_ms() < reservation.stored_ms
        assert [reservation.seq(i) for i in range(3)] == [1, 2, 3]
    assert allocator.consistent_through_ms() >= reservation.stored_ms
    lagging = SequenceAllocator(mongo.db["counters"], lag_ms=5_000)
    assert lagging.consistent_through_ms() <= allocator.consistent_through_ms() - 5_000

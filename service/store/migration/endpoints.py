"""The two ends of a copy, opened from store URLs: a source for reading, a target for writing."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import TypeVar

from service.store.migration.runner import MigrationError
from service.store.mongo import MongoOptions, MongoStore
from service.store.mongo.transfer import MongoTransfer
from service.store.ports.transfer import Transfer
from service.store.sqlite import SQLiteStore
from service.store.sqlite.schema import SCHEMA_VERSION, connect, recorded_schema, sqlite_path
from service.store.sqlite.transfer import SQLiteTransfer

T = TypeVar("T")


@asynccontextmanager
async def open_source(url: str) -> AsyncIterator[Transfer]:
    """The source, read only: SQLite through its own read-only connection (the LRS may serve
    the file meanwhile), MongoDB through a normal connection."""
    if url.startswith("sqlite:"):
        path = sqlite_path(url)
        if not path.is_file():
            raise MigrationError(f"no SQLite store at {path}")
        conn = connect(path, readonly=True)
        try:
            version, _ = recorded_schema(conn)
            if version != SCHEMA_VERSION:
                raise MigrationError(
                    f"the source {path} has schema {version}; start this release on it once "
                    f"(it upgrades the file to schema {SCHEMA_VERSION}) before copying it"
                )
            lock = asyncio.Lock()

            async def read(job: Callable[[sqlite3.Connection], T]) -> T:
                async with lock:
                    return await asyncio.to_thread(job, conn)

            yield SQLiteTransfer(read, None)
        finally:
            conn.close()
    else:
        async with _mongo(url) as transfer:
            yield transfer


@asynccontextmanager
async def open_target(url: str) -> AsyncIterator[Transfer]:
    """The target, opened as the LRS opens it (schema created, writes durable)."""
    if url.startswith("sqlite:"):
        store = SQLiteStore(sqlite_path(url))
        await store.open()
        try:
            database = store.database
            yield SQLiteTransfer(database.read, database.write, database.caches.keys)
        finally:
            await store.close()
    else:
        async with _mongo(url) as transfer:
            yield transfer


@asynccontextmanager
async def _mongo(url: str) -> AsyncIterator[Transfer]:
    if not url.startswith(("mongodb://", "mongodb+srv://")):
        raise MigrationError(f"not a store URL this release knows: {url.split(':', 1)[0]!r}")
    store = MongoStore(MongoOptions(url=url))
    await store.open()
    try:
        yield MongoTransfer(store.db)
    finally:
        await store.close()

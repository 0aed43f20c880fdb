"""Choose the storage adapter named by LRS_STORE_URL."""

from __future__ import annotations

from service.settings import Settings
from service.store.mongo import MongoOptions, MongoStore
from service.store.ports import Store
from service.store.sqlite import SQLiteStore
from service.store.sqlite.schema import sqlite_path


def make_store(settings: Settings) -> Store:
    """An unopened store for the configured URL; ValueError for an unknown scheme."""
    url = settings.store_url
    if url.startswith("sqlite:"):
        return SQLiteStore(
            sqlite_path(url),
            read_threads=settings.read_threads,
            group_commit_max=settings.group_commit_max,
            max_pending_writes=settings.pending_write_limit,
        )
    if url.startswith(("mongodb://", "mongodb+srv://")):
        return MongoStore(MongoOptions.from_settings(settings))
    raise ValueError(f"unsupported LRS_STORE_URL scheme: {url.split(':', 1)[0]!r}")

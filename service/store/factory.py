"""Choose the storage adapter named by LRS_STORE_URL, with forwarding secrets sealed at rest."""

from __future__ import annotations

from functools import partial
from pathlib import Path

from service.model.errors import StoreError
from service.settings import Settings
from service.store.mongo import MongoOptions, MongoStore
from service.store.ports import Store
from service.store.sealing import SealedOutbox, SecretBox, generated_key_file, read_key_file
from service.store.sqlite import SQLiteStore
from service.store.sqlite.schema import sqlite_path

KEY_FILE_SUFFIX = ".secret-key"


def make_store(settings: Settings) -> Store:
    """An unopened store for the configured URL; ValueError for an unknown scheme."""
    url = settings.store_url
    store: SQLiteStore | MongoStore
    key_file: Path | None = None
    if url.startswith("sqlite:"):
        path = sqlite_path(url)
        store = SQLiteStore(
            path,
            read_threads=settings.read_threads,
            group_commit_max=settings.group_commit_max,
            max_pending_writes=settings.pending_write_limit,
            statement_writer_process=settings.statement_writer == "process",
        )
        key_file = path.with_name(path.name + KEY_FILE_SUFFIX)
    elif url.startswith(("mongodb://", "mongodb+srv://")):
        store = MongoStore(MongoOptions.from_settings(settings))
    else:
        raise ValueError(f"unsupported LRS_STORE_URL scheme: {url.split(':', 1)[0]!r}")
    if settings.secret_key is not None or settings.secret_key_file or key_file is not None:
        store.outbox = SealedOutbox(store.outbox, partial(secret_box, settings, key_file))
    return store


def secret_box(settings: Settings, generated: Path | None) -> SecretBox:
    """The configured keys, else a key file generated beside an SQLite database (MongoDB
    without a key keeps secrets in clear: processes on other hosts could not share one)."""
    if settings.secret_key is not None:
        keys = [k for k in settings.secret_key.get_secret_value().split(",") if k.strip()]
        return SecretBox(keys)
    if settings.secret_key_file:
        return SecretBox(read_key_file(Path(settings.secret_key_file)))
    assert generated is not None
    try:
        return SecretBox(read_key_file(generated_key_file(generated)))
    except OSError as exc:
        raise StoreError(f"cannot keep the secret key file {generated}: {exc.strerror}") from None

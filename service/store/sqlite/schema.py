"""SQLite schema and connection set-up; every record carries its tenant."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from service.store.sqlite.outcome_schema import create_outcome_schema

SCHEMA_VERSION = 1

DDL = """
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);

CREATE TABLE IF NOT EXISTS statements (
    seq INTEGER PRIMARY KEY,
    tenant TEXT NOT NULL,
    id TEXT NOT NULL,
    stored INTEGER NOT NULL,
    voided INTEGER NOT NULL DEFAULT 0,
    ref_target TEXT,
    voids TEXT,
    body BLOB NOT NULL,
    UNIQUE (tenant, id)
);
CREATE INDEX IF NOT EXISTS statements_stored ON statements (tenant, stored);
CREATE INDEX IF NOT EXISTS statements_ref ON statements (tenant, ref_target)
    WHERE ref_target IS NOT NULL;
CREATE INDEX IF NOT EXISTS statements_voids ON statements (tenant, voids)
    WHERE voids IS NOT NULL;

CREATE TABLE IF NOT EXISTS index_keys (
    key_id INTEGER PRIMARY KEY,
    tenant TEXT NOT NULL,
    kind INTEGER NOT NULL,
    key TEXT NOT NULL,
    UNIQUE (tenant, kind, key)
);

CREATE TABLE IF NOT EXISTS statement_keys (
    key_id INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    PRIMARY KEY (key_id, seq)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS attachments (
    tenant TEXT NOT NULL,
    sha2 TEXT NOT NULL,
    content_type TEXT NOT NULL,
    data BLOB NOT NULL,
    PRIMARY KEY (tenant, sha2)
);

CREATE TABLE IF NOT EXISTS activities (
    tenant TEXT NOT NULL,
    id TEXT NOT NULL,
    definition BLOB NOT NULL,
    PRIMARY KEY (tenant, id)
);

CREATE TABLE IF NOT EXISTS documents (
    tenant TEXT NOT NULL,
    kind INTEGER NOT NULL,
    activity_id TEXT NOT NULL,
    agent TEXT NOT NULL,
    registration TEXT NOT NULL,
    document_id TEXT NOT NULL,
    content_type TEXT NOT NULL,
    content BLOB NOT NULL,
    etag TEXT NOT NULL,
    updated INTEGER NOT NULL,
    PRIMARY KEY (tenant, kind, activity_id, agent, registration, document_id)
);

CREATE TABLE IF NOT EXISTS agents (
    tenant TEXT NOT NULL,
    key TEXT NOT NULL,
    ifi BLOB NOT NULL,
    names TEXT NOT NULL,
    PRIMARY KEY (tenant, key)
);

CREATE TABLE IF NOT EXISTS credentials (
    key TEXT PRIMARY KEY,
    tenant TEXT NOT NULL,
    name TEXT NOT NULL,
    secret_hash TEXT NOT NULL,
    scopes TEXT NOT NULL,
    enabled INTEGER NOT NULL,
    created INTEGER NOT NULL
);
"""


def sqlite_path(store_url: str) -> Path:
    """The database file named by an `sqlite:///relative` or `sqlite:////absolute` URL."""
    prefix = "sqlite:///"
    if not store_url.startswith(prefix):
        raise ValueError(f"not an SQLite store URL: {store_url!r}")
    path = store_url[len(prefix) :]
    if not path:
        raise ValueError("the SQLite store URL names no file")
    return Path(path)


def connect(path: Path, *, readonly: bool) -> sqlite3.Connection:
    """A connection tuned for the service: WAL, full durability for the writer, no auto-commit."""
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA busy_timeout = 10000")
    conn.execute("PRAGMA cache_size = -65536")
    conn.execute("PRAGMA temp_store = MEMORY")
    conn.execute("PRAGMA mmap_size = 268435456")
    if readonly:
        conn.execute("PRAGMA query_only = 1")
    else:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = FULL")
    return conn


def create_schema(conn: sqlite3.Connection) -> None:
    """Create every table and index if missing (idempotent)."""
    conn.executescript(DDL)
    create_outcome_schema(conn)
    conn.execute(
        "INSERT OR IGNORE INTO meta (name, value) VALUES ('schema_version', ?)",
        (str(SCHEMA_VERSION),),
    )

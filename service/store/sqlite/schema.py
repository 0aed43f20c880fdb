"""SQLite schema and connection set-up; every record carries its tenant."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from service import __version__
from service.store.sqlite.admin_schema import create_admin_schema
from service.store.sqlite.console_schema import create_session_schema
from service.store.sqlite.outcome_schema import create_outcome_schema
from service.store.versions import refuse_newer_schema

SCHEMA_VERSION = 5  # 5: the `leases` table (LEASE_DDL)

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
    key_ids BLOB,
    uploaded TEXT,
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


# Schema 5: leases, one row per name (see lease_store), e.g. which process evaluates a tenant's
# outcomes. Not data: backups may hold them (they expire), migrations never copy them.
LEASE_DDL = """
CREATE TABLE IF NOT EXISTS leases (
    name TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    expires INTEGER NOT NULL,
    generation INTEGER NOT NULL
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


def connect(path: Path, *, readonly: bool, cache_mib: int = 64) -> sqlite3.Connection:
    """A connection tuned for the service: WAL, full durability for the writer, no auto-commit.

    No memory-mapped I/O: every connection would map the file separately and each mapped page
    counts again in the process's RSS (six connections over a 2 GB file passed 700 MB).
    """
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA busy_timeout = 10000")
    conn.execute(f"PRAGMA cache_size = -{cache_mib * 1024}")
    conn.execute("PRAGMA temp_store = MEMORY")
    if readonly:
        conn.execute("PRAGMA query_only = 1")
    else:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA journal_size_limit = 67108864")  # WAL file kept below 64 MiB
    return conn


def create_schema(conn: sqlite3.Connection) -> None:
    """Create every table and index if missing, and bring an older file up to date.

    A file written by a newer release is refused before anything is written to it.
    """
    found, written_by = recorded_schema(conn)
    refuse_newer_schema(found, written_by, SCHEMA_VERSION)
    conn.executescript(DDL)
    columns = {row[1] for row in conn.execute("PRAGMA table_info(statements)")}
    if "key_ids" not in columns:
        _add_statement_key_ids(conn)
    if "uploaded" not in columns:
        conn.execute(_ADD_UPLOADED)
    create_admin_schema(conn)
    create_outcome_schema(conn)
    create_session_schema(conn)
    conn.executescript(LEASE_DDL)
    conn.executemany(
        "INSERT INTO meta (name, value) VALUES (?, ?) "
        "ON CONFLICT (name) DO UPDATE SET value = excluded.value",
        [("schema_version", str(SCHEMA_VERSION)), ("release", __version__)],
    )


def recorded_schema(conn: sqlite3.Connection) -> tuple[int, str | None]:
    """The file's schema version and the release that last wrote it; (0, None) for a new file."""
    has_meta = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'"
    ).fetchone()
    if has_meta is None:
        return 0, None
    rows = dict(conn.execute("SELECT name, value FROM meta").fetchall())
    return int(rows.get("schema_version", 0)), rows.get("release")


# Schema 2 -> 3: the sha2s whose attachment data came with each statement, space-separated
# (NULL: none, or stored before; `service.xapi.attachment_parts` decides those). Adding a
# column without a default rewrites no row, so this is instant on any size of store.
_ADD_UPLOADED = "ALTER TABLE statements ADD COLUMN uploaded TEXT"


def _add_statement_key_ids(conn: sqlite3.Connection) -> None:
    """Schema 1 -> 2: each statement row keeps the JSON list of its index key ids."""
    conn.executescript(
        """
        BEGIN IMMEDIATE;
        ALTER TABLE statements ADD COLUMN key_ids BLOB;
        CREATE INDEX migrate_keys_by_seq ON statement_keys (seq);
        UPDATE statements SET key_ids = (
            SELECT json_group_array(key_id) FROM statement_keys WHERE seq = statements.seq
        );
        DROP INDEX migrate_keys_by_seq;
        COMMIT;
        """
    )

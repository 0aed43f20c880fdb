"""SQLite tables of tenants, forwarding and erasures, and the additive credential columns."""

from __future__ import annotations

import sqlite3

from service.model.clock import now_ms

ADMIN_DDL = """
CREATE TABLE IF NOT EXISTS tenants (
    name TEXT PRIMARY KEY,
    enabled INTEGER NOT NULL,
    created INTEGER NOT NULL,
    rate_per_second REAL,
    burst INTEGER,
    max_batch INTEGER,
    max_body INTEGER
);

CREATE TABLE IF NOT EXISTS forward_targets (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant TEXT NOT NULL,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    url TEXT NOT NULL,
    username TEXT,
    password TEXT,
    xapi_version TEXT NOT NULL,
    verbs TEXT NOT NULL,
    activity_prefixes TEXT NOT NULL,
    credentials TEXT NOT NULL,
    enabled INTEGER NOT NULL,
    created INTEGER NOT NULL,
    failures INTEGER NOT NULL DEFAULT 0,
    next_attempt INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    delivered INTEGER NOT NULL DEFAULT 0,
    last_delivered INTEGER,
    lease_owner TEXT,
    lease_until INTEGER NOT NULL DEFAULT 0,
    UNIQUE (tenant, name)
);

CREATE TABLE IF NOT EXISTS outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    target_id INTEGER NOT NULL,
    tenant TEXT NOT NULL,
    seq INTEGER NOT NULL,
    statement_id TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    dead INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    created INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS outbox_target ON outbox (target_id, dead, id);
CREATE INDEX IF NOT EXISTS outbox_seq ON outbox (seq);

CREATE TABLE IF NOT EXISTS erasures (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant TEXT NOT NULL,
    agent_hash TEXT NOT NULL,
    erased_by TEXT NOT NULL,
    erased INTEGER NOT NULL,
    counts TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS erasures_tenant ON erasures (tenant, id);

CREATE TABLE IF NOT EXISTS quota_state (key TEXT PRIMARY KEY, tat REAL NOT NULL);
"""

# Schema 4: the audit log, append-only; retention policies and the tombstones of statements
# deleted by retention, kept for a feed to show (issue 20).
AUDIT_DDL = """
CREATE TABLE IF NOT EXISTS audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at INTEGER NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    tenant TEXT,
    target TEXT,
    source TEXT,
    outcome TEXT NOT NULL,
    details TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_tenant ON audit (tenant, id);
CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;

CREATE TABLE IF NOT EXISTS retention_policies (
    tenant TEXT PRIMARY KEY,
    period TEXT NOT NULL,
    field TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS tombstones (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant TEXT NOT NULL,
    statement_id TEXT NOT NULL,
    deleted INTEGER NOT NULL,
    reason TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS tombstones_tenant ON tombstones (tenant, id);
"""

CREDENTIAL_COLUMNS = {
    "last_used": "INTEGER",
    "rate_per_second": "REAL",
    "burst": "INTEGER",
    "max_batch": "INTEGER",
    "max_body": "INTEGER",
    "previous_secret_hash": "TEXT",  # schema 4: rotation with overlap
    "previous_until": "INTEGER",
}

# The change feed (issue 19): the deleted statement's `seq`, so the feed shows its tombstone
# after it, and whether it was deleted or pseudonymised (NULL: deleted, written before); an
# erased learner's attainment change is `attainment_deleted` with its `change_id` (and '' for
# the statement id).
TOMBSTONE_COLUMNS = {"seq": "INTEGER", "action": "TEXT", "change_id": "INTEGER"}


def create_admin_schema(conn: sqlite3.Connection) -> None:
    """Create the tables, add missing credential columns, and make sure `default` exists."""
    conn.executescript(ADMIN_DDL)
    conn.executescript(AUDIT_DDL)
    present = {row[1] for row in conn.execute("PRAGMA table_info(credentials)")}
    for column, sql_type in CREDENTIAL_COLUMNS.items():
        if column not in present:
            conn.execute(f"ALTER TABLE credentials ADD COLUMN {column} {sql_type}")
    present = {row[1] for row in conn.execute("PRAGMA table_info(tombstones)")}
    for column, sql_type in TOMBSTONE_COLUMNS.items():
        if column not in present:
            conn.execute(f"ALTER TABLE tombstones ADD COLUMN {column} {sql_type}")
    conn.execute(
        "INSERT OR IGNORE INTO tenants (name, enabled, created) VALUES ('default', 1, ?)",
        (now_ms(),),
    )

"""The SQLite table of console sessions."""

from __future__ import annotations

import sqlite3

SESSION_DDL = """
CREATE TABLE IF NOT EXISTS console_sessions (
    id_hash TEXT PRIMARY KEY,
    credential_key TEXT NOT NULL,
    secret_stamp TEXT NOT NULL,
    csrf_token TEXT NOT NULL,
    created INTEGER NOT NULL,
    seen INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS console_sessions_seen ON console_sessions (seen);
"""


# A single sign-on session's person, as JSON (NULL: a credential's session). A nullable column
# without a default rewrites no row, and a release without it ignores it (its sessions end).
_ADD_PERSON = "ALTER TABLE console_sessions ADD COLUMN person TEXT"


def create_session_schema(conn: sqlite3.Connection) -> None:
    conn.executescript(SESSION_DDL)
    columns = {row[1] for row in conn.execute("PRAGMA table_info(console_sessions)")}
    if "person" not in columns:
        conn.execute(_ADD_PERSON)

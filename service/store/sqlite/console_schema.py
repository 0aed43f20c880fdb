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


def create_session_schema(conn: sqlite3.Connection) -> None:
    conn.executescript(SESSION_DDL)

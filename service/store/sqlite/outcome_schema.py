"""SQLite tables of outcome state; every row carries its tenant, state rows their map version."""

from __future__ import annotations

import sqlite3

from service.model.outcomes import BEGINNING_MS
from service.store.sqlite.outcome_stints import restint

OUTCOME_DDL = """
CREATE TABLE IF NOT EXISTS outcome_maps (
    tenant TEXT NOT NULL,
    version INTEGER NOT NULL,
    document BLOB NOT NULL,
    created INTEGER NOT NULL,
    status TEXT NOT NULL,
    cursor INTEGER NOT NULL DEFAULT 0,
    evaluated INTEGER NOT NULL DEFAULT 0,
    name TEXT NOT NULL DEFAULT 'default',
    number INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant, version)
);

CREATE TABLE IF NOT EXISTS outcome_evidence (
    tenant TEXT NOT NULL,
    version INTEGER NOT NULL,
    learner TEXT NOT NULL,
    outcome TEXT NOT NULL,
    criterion INTEGER NOT NULL,
    statement_id TEXT NOT NULL,
    activity TEXT NOT NULL,
    ts INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    PRIMARY KEY (tenant, version, learner, outcome, criterion, statement_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS outcome_evidence_statement
    ON outcome_evidence (tenant, version, statement_id);

CREATE TABLE IF NOT EXISTS outcome_attainments (
    tenant TEXT NOT NULL,
    version INTEGER NOT NULL,
    outcome TEXT NOT NULL,
    learner TEXT NOT NULL,
    attained INTEGER NOT NULL,
    level INTEGER,
    name TEXT,
    evidence BLOB NOT NULL,
    emitted BLOB NOT NULL,
    department TEXT,
    team TEXT,
    manager TEXT,
    location TEXT,
    role TEXT,
    PRIMARY KEY (tenant, version, outcome, learner)
);
CREATE INDEX IF NOT EXISTS outcome_attainments_learner
    ON outcome_attainments (tenant, version, learner, outcome);
CREATE INDEX IF NOT EXISTS outcome_attainments_time
    ON outcome_attainments (tenant, version, outcome, attained);
CREATE INDEX IF NOT EXISTS outcome_attainments_learner_time
    ON outcome_attainments (tenant, version, outcome, learner, attained);
CREATE INDEX IF NOT EXISTS outcome_attainments_department
    ON outcome_attainments (tenant, version, outcome, department, attained);
CREATE INDEX IF NOT EXISTS outcome_attainments_team
    ON outcome_attainments (tenant, version, outcome, team, attained);

CREATE TABLE IF NOT EXISTS outcome_roster (
    tenant TEXT NOT NULL,
    learner TEXT NOT NULL,
    name TEXT,
    department TEXT,
    team TEXT,
    manager TEXT,
    location TEXT,
    role TEXT,
    PRIMARY KEY (tenant, learner)
);
CREATE INDEX IF NOT EXISTS outcome_roster_department ON outcome_roster (tenant, department);
CREATE INDEX IF NOT EXISTS outcome_roster_team ON outcome_roster (tenant, team);

CREATE TABLE IF NOT EXISTS outcome_roster_history (
    tenant TEXT NOT NULL,
    learner TEXT NOT NULL,
    valid_from INTEGER NOT NULL,
    valid_to INTEGER,
    name TEXT,
    department TEXT,
    team TEXT,
    manager TEXT,
    location TEXT,
    role TEXT,
    PRIMARY KEY (tenant, learner, valid_from)
);

CREATE TABLE IF NOT EXISTS outcome_unit_history (
    tenant TEXT NOT NULL,
    field TEXT NOT NULL,
    learner TEXT NOT NULL,
    unit TEXT NOT NULL,
    valid_from INTEGER NOT NULL,
    valid_to INTEGER,
    PRIMARY KEY (tenant, field, learner, valid_from)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS outcome_kpis (
    tenant TEXT NOT NULL,
    kpi TEXT NOT NULL,
    org_unit TEXT NOT NULL,
    period TEXT NOT NULL,
    value REAL NOT NULL,
    PRIMARY KEY (tenant, kpi, org_unit, period)
);

CREATE TABLE IF NOT EXISTS outcome_attainment_changes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant TEXT NOT NULL,
    version INTEGER NOT NULL,
    kind TEXT NOT NULL,
    outcome TEXT NOT NULL,
    learner TEXT NOT NULL,
    level INTEGER,
    evidence_count INTEGER,
    attained INTEGER,
    seq INTEGER NOT NULL,
    at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS outcome_attainment_changes_tenant
    ON outcome_attainment_changes (tenant, id);
"""


def _exists(conn: sqlite3.Connection, table: str) -> bool:
    found = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
    ).fetchone()
    return found is not None


def _name_maps(conn: sqlite3.Connection) -> None:
    """Give the map versions of a store made before several maps per tenant their map
    (`default`) and number (their version)."""
    if not _exists(conn, "outcome_maps"):
        return
    columns = {row[1] for row in conn.execute("PRAGMA table_info(outcome_maps)")}
    if "name" in columns:
        return
    conn.execute("ALTER TABLE outcome_maps ADD COLUMN name TEXT NOT NULL DEFAULT 'default'")
    conn.execute("ALTER TABLE outcome_maps ADD COLUMN number INTEGER NOT NULL DEFAULT 0")
    conn.execute("UPDATE outcome_maps SET number = version")


def create_outcome_schema(conn: sqlite3.Connection) -> None:
    """Create the outcome tables and indexes if missing (idempotent); give a roster kept
    before history began the history that it always held, and its stints."""
    dated = _exists(conn, "outcome_roster_history")
    stinted = _exists(conn, "outcome_unit_history")
    _name_maps(conn)
    conn.executescript(OUTCOME_DDL)
    for table in ("outcome_unit_days", "outcome_unit_heads"):  # counts reports no longer read
        conn.execute(f"DROP TABLE IF EXISTS {table}")
    if not dated:
        conn.execute(
            "INSERT INTO outcome_roster_history (tenant, learner, valid_from, name, department, "
            "team, manager, location, role) SELECT tenant, learner, ?, name, department, team, "
            "manager, location, role FROM outcome_roster",
            (BEGINNING_MS,),
        )
    if not stinted:
        for (tenant,) in conn.execute(
            "SELECT DISTINCT tenant FROM outcome_roster_history"
        ).fetchall():
            restint(conn, tenant, None)

"""An erased learner's outcome state: evidence, attainments, roster entries and history, and
their attainment changes in the feed's log (replaced by tombstones naming only change ids)."""

from __future__ import annotations

import sqlite3

from service.model.outcomes import ROSTER_FIELDS

_VERSIONS = "version IN (SELECT version FROM outcome_maps WHERE tenant = ?1)"  # keeps the keys
_FIELDS = "field IN (" + ", ".join(f"'{f}'" for f in ROSTER_FIELDS) + ")"
_WHERE = {
    "outcome_evidence": _VERSIONS,
    "outcome_attainments": _VERSIONS,
    "outcome_roster": "1",
    "outcome_roster_history": "1",
    "outcome_unit_history": _FIELDS,
}


def delete_learner_outcomes(conn: sqlite3.Connection, tenant: str, learner: str) -> int:
    """Delete every outcome row of the learner in the tenant; the rows deleted."""
    return sum(
        conn.execute(
            f"DELETE FROM {table} WHERE tenant = ?1 AND {where} AND learner = ?2",
            (tenant, learner),
        ).rowcount
        for table, where in _WHERE.items()
    )


def delete_learner_changes(conn: sqlite3.Connection, tenant: str, learner: str, now_ms: int) -> int:
    """Delete the learner's attainment changes and leave a tombstone per change id, in the
    caller's transaction, so the feed tells warehouses which rows to drop; the changes deleted."""
    deleted = conn.execute(
        "DELETE FROM outcome_attainment_changes WHERE tenant = ? AND learner = ? RETURNING id, seq",
        (tenant, learner),
    ).fetchall()
    conn.executemany(
        "INSERT INTO tombstones (tenant, statement_id, seq, action, deleted, reason, change_id) "
        "VALUES (?, '', ?, 'attainment_deleted', ?, 'erasure', ?)",
        [(tenant, seq, now_ms, change_id) for change_id, seq in sorted(deleted)],
    )
    return len(deleted)

"""An erased learner's outcome state: evidence, attainments, roster entries and history."""

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

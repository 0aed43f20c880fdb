"""SQLite's OrgDataStore: the roster with its history, and KPI observations.

The current roster (`outcome_roster`, whose fields attainments copy for their filters) and
its history (`outcome_roster_history`, which rates read) change in one transaction: an
import effective at E ends the uploaded learners' entries at E (those of everyone, when it
replaces the roster) and starts the new ones there; entries before E stay as they were.
"""

from __future__ import annotations

import sqlite3
from typing import Any

import orjson

from service.model.outcomes import (
    BEGINNING_MS,
    ROSTER_FIELDS,
    KpiObservation,
    RosterEntry,
    RosterImport,
    UnitRange,
)
from service.store.sqlite.database import SQLitePart
from service.store.sqlite.outcome_rows import HISTORY_COLUMNS, ROSTER_COLUMNS, roster_entry
from service.store.sqlite.outcome_stints import restint

_SET_FIELDS = ", ".join(f"{f} = r.{f}" for f in ROSTER_FIELDS)
_NULL_FIELDS = ", ".join(f"{f} = NULL" for f in ROSTER_FIELDS)
_FIELDS = ", ".join(ROSTER_FIELDS)
_UPLOADED = " IN (SELECT value FROM json_each(?))"  # the learners of the upload
_COPY_ROSTER = (
    f"UPDATE outcome_attainments SET {_SET_FIELDS} FROM outcome_roster r "
    "WHERE outcome_attainments.tenant = ? AND r.tenant = outcome_attainments.tenant "
    "AND r.learner = outcome_attainments.learner"
)
_UPLOADED_ONLY = (  # restricts attainments to the uploaded learners, through the learner index
    " AND outcome_attainments.version IN (SELECT version FROM outcome_maps WHERE tenant = ?)"
    f" AND outcome_attainments.learner{_UPLOADED}"
)
_UNITS = (  # ?1 tenant: every (unit, from, to) of every roster field
    "SELECT DISTINCT unit, valid_from, valid_to FROM ("
    + " UNION ALL ".join(
        f"SELECT {f} AS unit, valid_from, valid_to FROM outcome_roster_history "
        f"WHERE tenant = ?1 AND {f} IS NOT NULL"
        for f in ROSTER_FIELDS
    )
    + ")"
)


class SQLiteOrgData(SQLitePart):
    """Roster entries, their history and KPI observations of each tenant."""

    async def put_roster(
        self, tenant: str, entries: list[RosterEntry], *, replace: bool, effective: RosterImport
    ) -> int:
        unique = list({e.learner: e for e in entries}.values())  # the last entry of a learner wins
        learners = orjson.dumps([e.learner for e in unique]).decode()
        rows = [
            (tenant, e.learner, e.name, *(getattr(e, f) for f in ROSTER_FIELDS)) for e in unique
        ]

        def job(conn: sqlite3.Connection) -> int:
            _date_history(conn, tenant, rows, learners, replace, effective)
            restint(conn, tenant, None if replace else learners)
            if replace:
                conn.execute("DELETE FROM outcome_roster WHERE tenant = ?", (tenant,))
                conn.execute(
                    f"UPDATE outcome_attainments SET {_NULL_FIELDS} WHERE tenant = ?", (tenant,)
                )
            conn.executemany(
                f"INSERT OR REPLACE INTO outcome_roster (tenant, {ROSTER_COLUMNS}) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
            if replace:
                conn.execute(_COPY_ROSTER, (tenant,))
            else:
                conn.execute(_COPY_ROSTER + _UPLOADED_ONLY, (tenant, tenant, learners))
            return len(entries)

        return await self._write(job)

    async def get_roster(self, tenant: str, after: str | None, limit: int) -> list[RosterEntry]:
        def job(conn: sqlite3.Connection) -> list[RosterEntry]:
            rows = conn.execute(
                f"SELECT {HISTORY_COLUMNS} FROM outcome_roster_history "
                "WHERE tenant = ? AND learner > ? AND valid_to IS NULL ORDER BY learner LIMIT ?",
                (tenant, after or "", limit),
            ).fetchall()
            return [roster_entry(row) for row in rows]

        return await self._read(job)

    async def roster_history(self, tenant: str, learner: str) -> list[RosterEntry]:
        def job(conn: sqlite3.Connection) -> list[RosterEntry]:
            rows = conn.execute(
                f"SELECT {HISTORY_COLUMNS} FROM outcome_roster_history "
                "WHERE tenant = ? AND learner = ? ORDER BY valid_from",
                (tenant, learner),
            ).fetchall()
            return [roster_entry(row) for row in rows]

        return await self._read(job)

    async def unit_ranges(self, tenant: str) -> list[UnitRange]:
        def job(conn: sqlite3.Connection) -> list[UnitRange]:
            return [UnitRange(*row) for row in conn.execute(_UNITS, (tenant,)).fetchall()]

        return await self._read(job)

    async def put_kpi_observations(
        self, tenant: str, observations: list[KpiObservation], *, replace: bool
    ) -> int:
        def job(conn: sqlite3.Connection) -> int:
            if replace:
                conn.execute("DELETE FROM outcome_kpis WHERE tenant = ?", (tenant,))
            conn.executemany(
                "INSERT OR REPLACE INTO outcome_kpis (tenant, kpi, org_unit, period, value) "
                "VALUES (?, ?, ?, ?, ?)",
                [(tenant, o.kpi, o.org_unit, o.period, o.value) for o in observations],
            )
            return len(observations)

        return await self._write(job)

    async def get_kpi_observations(self, tenant: str) -> list[KpiObservation]:
        def job(conn: sqlite3.Connection) -> list[KpiObservation]:
            rows = conn.execute(
                "SELECT kpi, org_unit, period, value FROM outcome_kpis WHERE tenant = ? "
                "ORDER BY kpi, org_unit, period",
                (tenant,),
            ).fetchall()
            return [KpiObservation(*row) for row in rows]

        return await self._read(job)


def _date_history(
    conn: sqlite3.Connection,
    tenant: str,
    rows: list[tuple[Any, ...]],
    learners: str,
    replace: bool,
    effective: RosterImport,
) -> None:
    """End the affected learners' entries at the effective instant and start the uploaded
    ones there; an uploaded entry equal to the one already open is left open as it is."""
    at = effective.at_ms
    if not effective.explicit:
        first = conn.execute(
            "SELECT 1 FROM outcome_roster_history WHERE tenant = ? LIMIT 1", (tenant,)
        ).fetchone()
        at = BEGINNING_MS if first is None else at
    open_rows = {
        row[1]: row
        for row in conn.execute(
            f"SELECT tenant, {ROSTER_COLUMNS} FROM outcome_roster_history "
            f"WHERE tenant = ? AND valid_to IS NULL AND valid_from <= ? AND learner{_UPLOADED}",
            (tenant, at, learners),
        )
    }
    changed = [row for row in rows if open_rows.get(row[1]) != row]
    if replace:  # everyone but the unchanged leaves at `at`; the changed come back
        which = f"learner NOT{_UPLOADED}"
        kept = [row[1] for row in rows if open_rows.get(row[1]) == row]
        targets = orjson.dumps(kept).decode()
    else:
        which = f"learner{_UPLOADED}"
        targets = orjson.dumps([row[1] for row in changed]).decode()
    conn.execute(
        f"DELETE FROM outcome_roster_history WHERE tenant = ? AND valid_from >= ? AND {which}",
        (tenant, at, targets),
    )
    conn.execute(
        "UPDATE outcome_roster_history SET valid_to = ? WHERE tenant = ? AND valid_from < ? "
        f"AND (valid_to IS NULL OR valid_to > ?) AND {which}",
        (at, tenant, at, at, targets),
    )
    conn.executemany(
        f"INSERT INTO outcome_roster_history (tenant, {ROSTER_COLUMNS}, valid_from) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [(*row, at) for row in changed],
    )

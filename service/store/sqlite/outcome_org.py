"""SQLite implementation of the outcome port's roster and KPI observations."""

from __future__ import annotations

import sqlite3

from service.store.outcome_records import ROSTER_FIELDS, KpiObservation, RosterEntry
from service.store.sqlite.jobs import SQLiteJobs
from service.store.sqlite.outcome_rows import ROSTER_COLUMNS, roster_entry

_SET_FIELDS = ", ".join(f"{f} = r.{f}" for f in ROSTER_FIELDS)
_NULL_FIELDS = ", ".join(f"{f} = NULL" for f in ROSTER_FIELDS)


class SQLiteOutcomeOrg(SQLiteJobs):
    """Roster entries and KPI observations; attainments keep a copy of the roster fields."""

    async def put_roster(self, tenant: str, entries: list[RosterEntry], *, replace: bool) -> int:
        def job(conn: sqlite3.Connection) -> int:
            if replace:
                conn.execute("DELETE FROM outcome_roster WHERE tenant = ?", (tenant,))
                conn.execute(
                    f"UPDATE outcome_attainments SET {_NULL_FIELDS} WHERE tenant = ?", (tenant,)
                )
            conn.executemany(
                f"INSERT OR REPLACE INTO outcome_roster (tenant, {ROSTER_COLUMNS}) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (tenant, e.learner, e.name, e.department, e.team, e.manager, e.location, e.role)
                    for e in entries
                ],
            )
            conn.execute(
                f"UPDATE outcome_attainments SET {_SET_FIELDS} FROM outcome_roster r "
                "WHERE outcome_attainments.tenant = ? AND r.tenant = outcome_attainments.tenant "
                "AND r.learner = outcome_attainments.learner",
                (tenant,),
            )
            return len(entries)

        return await self._write(job)

    async def get_roster(self, tenant: str, after: str | None, limit: int) -> list[RosterEntry]:
        def job(conn: sqlite3.Connection) -> list[RosterEntry]:
            rows = conn.execute(
                f"SELECT {ROSTER_COLUMNS} FROM outcome_roster WHERE tenant = ? AND learner > ? "
                "ORDER BY learner LIMIT ?",
                (tenant, after or "", limit),
            ).fetchall()
            return [roster_entry(row) for row in rows]

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

"""SQLite implementation of the outcome port's roster and KPI observations."""

from __future__ import annotations

import sqlite3
from collections import Counter

import orjson

from service.model.outcomes import ROSTER_FIELDS, KpiObservation, RosterEntry
from service.store.sqlite.jobs import SQLiteJobs
from service.store.sqlite.outcome_counts import (
    COUNTED,
    Heads,
    VersionDeltas,
    apply_deltas,
    apply_heads,
    recount,
    tally_heads,
    tally_versions,
)
from service.store.sqlite.outcome_rows import ROSTER_COLUMNS, roster_entry

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
_OF_UPLOADED = (
    f"SELECT version, {COUNTED} FROM outcome_attainments WHERE tenant = ?{_UPLOADED_ONLY}"
)


class SQLiteOutcomeOrg(SQLiteJobs):
    """Roster entries and KPI observations; attainments keep a copy of the roster fields. An
    import that replaces the roster counts afresh; one that adds entries applies the change
    of the uploaded learners' rows to the counts (see outcome_counts)."""

    async def put_roster(self, tenant: str, entries: list[RosterEntry], *, replace: bool) -> int:
        unique = list({e.learner: e for e in entries}.values())  # the last entry of a learner wins
        learners = orjson.dumps([e.learner for e in unique]).decode()
        rows = [
            (tenant, e.learner, e.name, *(getattr(e, f) for f in ROSTER_FIELDS)) for e in unique
        ]

        def job(conn: sqlite3.Connection) -> int:
            heads: Heads = Counter()
            if replace:
                for table in ("outcome_roster", "outcome_unit_heads"):
                    conn.execute(f"DELETE FROM {table} WHERE tenant = ?", (tenant,))
                conn.execute(
                    f"UPDATE outcome_attainments SET {_NULL_FIELDS} WHERE tenant = ?", (tenant,)
                )
            else:
                replaced = conn.execute(
                    f"SELECT {_FIELDS} FROM outcome_roster WHERE tenant = ? AND learner{_UPLOADED}",
                    (tenant, learners),
                )
                tally_heads(heads, replaced, -1)
            conn.executemany(
                f"INSERT OR REPLACE INTO outcome_roster (tenant, {ROSTER_COLUMNS}) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
            tally_heads(heads, (row[3:] for row in rows), 1)
            apply_heads(conn, tenant, heads)
            if replace:
                conn.execute(_COPY_ROSTER, (tenant,))
                recount(conn, tenant)
            else:
                deltas = VersionDeltas(Counter)
                tally_versions(deltas, conn.execute(_OF_UPLOADED, (tenant, tenant, learners)), -1)
                conn.execute(_COPY_ROSTER + _UPLOADED_ONLY, (tenant, tenant, learners))
                tally_versions(deltas, conn.execute(_OF_UPLOADED, (tenant, tenant, learners)), 1)
                for version, changes in deltas.items():
                    apply_deltas(conn, tenant, version, changes)
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

"""SQLite's OutcomeReportStore: roster, KPI observations and attainment queries (index
lookups, no scans; rates read the per-unit counts of outcome_counts)."""

from __future__ import annotations

import sqlite3
from collections import Counter
from typing import Any

import orjson

from service.model.outcomes import (
    ROSTER_FIELDS,
    AttainmentQuery,
    AttainmentRow,
    KpiObservation,
    RosterEntry,
    UnitDayCount,
)
from service.store.sqlite.database import SQLitePart
from service.store.sqlite.outcome_counts import (
    COUNTED,
    Heads,
    VersionDeltas,
    apply_deltas,
    apply_heads,
    first_day,
    headcounts,
    recount,
    tally_heads,
    tally_versions,
    unit_days,
)
from service.store.sqlite.outcome_rows import (
    ATTAINMENT_COLUMNS,
    ROSTER_COLUMNS,
    attainment_record,
    roster_entry,
    unit_column,
)

_SELECT = (
    ", ".join(f"a.{c.strip()}" for c in ATTAINMENT_COLUMNS.split(","))
    + ", "
    + ", ".join(f"r.{c.strip()}" for c in ROSTER_COLUMNS.split(","))
)

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


class SQLiteOutcomeReports(SQLitePart):
    """Attainment listings, counts and per-unit histograms; roster entries and KPI
    observations. Attainments keep a copy of the roster fields. An
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

    async def query_attainments(self, tenant: str, query: AttainmentQuery) -> list[AttainmentRow]:
        sql, params = _attainment_sql(tenant, query)

        def job(conn: sqlite3.Connection) -> list[AttainmentRow]:
            rows = conn.execute(sql, params).fetchall()
            return [
                AttainmentRow(attainment_record(row[:7]), roster_entry(row[7:]) if row[7] else None)
                for row in rows
            ]

        return await self._read(job)

    async def count_attainments(self, tenant: str, version: int) -> dict[str, int]:
        def job(conn: sqlite3.Connection) -> dict[str, int]:
            rows = conn.execute(
                "SELECT outcome, count(*) FROM outcome_attainments "
                "WHERE tenant = ? AND version = ? GROUP BY outcome",
                (tenant, version),
            ).fetchall()
            return {row[0]: row[1] for row in rows}

        return await self._read(job)

    async def attainment_days(
        self,
        tenant: str,
        version: int,
        unit_field: str,
        outcomes: list[str],
        boundaries: list[int] | None = None,
    ) -> list[UnitDayCount]:
        field = unit_column(unit_field)
        return await self._read(
            lambda conn: unit_days(conn, tenant, version, field, outcomes, boundaries)
        )

    async def first_attainment_day(
        self, tenant: str, version: int, unit_field: str, outcomes: list[str]
    ) -> int | None:
        field = unit_column(unit_field)
        return await self._read(lambda conn: first_day(conn, tenant, version, field, outcomes))

    async def unit_headcounts(self, tenant: str, unit_field: str) -> dict[str, int]:
        field = unit_column(unit_field)
        return await self._read(lambda conn: headcounts(conn, tenant, field))


def _attainment_sql(tenant: str, query: AttainmentQuery) -> tuple[str, list[Any]]:
    where = ["a.tenant = ?", "a.version = ?"]
    params: list[Any] = [tenant, query.version]
    conditions: list[tuple[str, Any]] = [
        ("a.outcome = ?", query.outcome),
        ("a.learner = ?", query.learner),
        (f"a.{unit_column(query.unit_field)} = ?", query.unit),
        ("a.attained >= ?", query.since_ms),
        ("a.attained < ?", query.until_ms),
        ("a.level = ?", query.level),
    ]
    for condition, value in conditions:
        if value is not None:
            where.append(condition)
            params.append(value)
    if query.after is not None:
        where.append("(a.outcome, a.learner) > (?, ?)")
        params.extend(query.after)
    # one learner: walk the learner index (same order as (outcome, learner) for one learner)
    order = "a.learner, a.outcome" if query.learner is not None else "a.outcome, a.learner"
    sql = (
        f"SELECT {_SELECT} FROM outcome_attainments a LEFT JOIN outcome_roster r "
        "ON r.tenant = a.tenant AND r.learner = a.learner "
        f"WHERE {' AND '.join(where)} ORDER BY {order} LIMIT ?"
    )
    params.append(query.limit)
    return sql, params

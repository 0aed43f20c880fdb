"""SQLite implementation of the outcome port's attainment queries (index lookups, no scans;
rates read the per-unit counts of outcome_counts)."""

from __future__ import annotations

import sqlite3
from typing import Any

from service.model.outcomes import (
    AttainmentQuery,
    AttainmentRow,
    UnitDayCount,
)
from service.store.sqlite.jobs import SQLiteJobs
from service.store.sqlite.outcome_counts import first_day, headcounts, unit_days
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


class SQLiteOutcomeQueries(SQLiteJobs):
    """Attainment listings, counts and per-unit histograms."""

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

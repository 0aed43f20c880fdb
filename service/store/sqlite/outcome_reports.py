"""SQLite's OutcomeReportStore: attainment listings, and attainments counted per org unit and
stint (outcome_stints; one grouped query per outcome; the periods are counted above the port,
in service/outcomes/membership)."""

from __future__ import annotations

import sqlite3
from typing import Any

from service.model.outcomes import (
    AttainmentChange,
    AttainmentQuery,
    AttainmentRow,
    RosterEntry,
    UnitSpan,
)
from service.store.sqlite.database import SQLitePart
from service.store.sqlite.outcome_rows import (
    ATTAINMENT_COLUMNS,
    HISTORY_COLUMNS,
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

DAY_MS = 86_400_000
# ?1 tenant, ?2 field, ?3 version, ?4 outcome: stints grouped with the day the learner
# attained the outcome, found in the covering index outcome_attainments_learner_time.
_SPANS = """
SELECT s.unit, s.valid_from, s.valid_to, a.attained / 86400000 AS day, count(*)
FROM outcome_unit_history s LEFT JOIN outcome_attainments a
ON a.tenant = ?1 AND a.version = ?3 AND a.outcome = ?4 AND a.learner = s.learner
WHERE s.tenant = ?1 AND s.field = ?2
GROUP BY s.unit, s.valid_from, s.valid_to, day
"""


class SQLiteOutcomeReports(SQLitePart):
    """Attainment listings (joined with the current roster) and per-unit period counts."""

    async def attainment_changes(
        self, tenant: str, after_id: int, limit: int
    ) -> list[AttainmentChange]:
        def job(conn: sqlite3.Connection) -> list[AttainmentChange]:
            rows = conn.execute(
                "SELECT id, kind, version, outcome, learner, level, evidence_count, attained, "
                "seq, at FROM outcome_attainment_changes WHERE tenant = ? AND id > ? "
                "ORDER BY id LIMIT ?",
                (tenant, after_id, limit),
            ).fetchall()
            return [AttainmentChange(*row) for row in rows]

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

    async def first_attainment_day(
        self, tenant: str, version: int, outcomes: list[str]
    ) -> int | None:
        marks = ", ".join("?" * len(outcomes))

        def job(conn: sqlite3.Connection) -> int | None:
            row = conn.execute(
                "SELECT min(attained) FROM outcome_attainments WHERE tenant = ? AND version = ? "
                f"AND outcome IN ({marks})",
                (tenant, version, *outcomes),
            ).fetchone()
            return None if row is None or row[0] is None else int(row[0]) // DAY_MS

        return await self._read(job)

    async def unit_spans(
        self, tenant: str, version: int, unit_field: str, outcome: str
    ) -> list[UnitSpan]:
        field = unit_column(unit_field)

        def job(conn: sqlite3.Connection) -> list[UnitSpan]:
            rows = conn.execute(_SPANS, (tenant, field, version, outcome)).fetchall()
            return [UnitSpan(*row) for row in rows]

        return await self._read(job)

    async def unattained(
        self,
        tenant: str,
        version: int,
        outcome: str,
        unit_field: str,
        unit: str,
        after: str | None,
        limit: int,
    ) -> list[RosterEntry]:
        sql = _UNATTAINED.format(columns=HISTORY_COLUMNS, field=unit_column(unit_field))

        def job(conn: sqlite3.Connection) -> list[RosterEntry]:
            rows = conn.execute(sql, (tenant, unit, after or "", version, outcome, limit))
            return [roster_entry(row) for row in rows.fetchall()]

        return await self._read(job)


_UNATTAINED = (
    "SELECT {columns} FROM outcome_roster_history h WHERE h.tenant = ? AND h.valid_to IS NULL "
    "AND h.{field} = ? AND h.learner > ? AND NOT EXISTS (SELECT 1 FROM outcome_attainments a "
    "WHERE a.tenant = h.tenant AND a.version = ? AND a.outcome = ? AND a.learner = h.learner) "
    "ORDER BY h.learner LIMIT ?"
)


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

"""Attainments counted per (tenant, version, outcome, roster field, org unit, day), and
rostered learners per (tenant, roster field, org unit).

Rates and the outcome x KPI table read these small aggregates instead of grouping every
attainment and roster entry. They change in the transaction that changes what they count:
evaluation applies the difference between the attainment rows it removes and those it writes,
a roster import applies the difference between the roster rows (and attainment rows) it
changes and the new ones, or counts afresh when it replaces the roster, and retiring a version
drops its counts.
"""

from __future__ import annotations

import sqlite3
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from typing import Any

from service.model.outcomes import ROSTER_FIELDS, UnitDayCount

DAY = "attained / 86400000"  # UTC days since the epoch, as SQLite divides
COUNTED = f"outcome, {DAY}, " + ", ".join(ROSTER_FIELDS)  # the columns `tally` reads
Deltas = Counter[tuple[str, str, str, int]]  # (outcome, field, unit, day) -> change
Heads = Counter[tuple[str, str]]  # (field, unit) -> change of headcount
VersionDeltas = defaultdict[int, Deltas]
MAX_BOUNDARIES = 64  # past this many, days are read as they are


def named_units(values: Iterable[str | None]) -> Iterator[tuple[str, str]]:
    """(field, unit) for each roster field value of a row of ROSTER_FIELDS that is set."""
    for field, unit in zip(ROSTER_FIELDS, values, strict=True):
        if unit is not None:
            yield field, unit


def tally(deltas: Deltas, rows: Iterable[tuple[Any, ...]], sign: int) -> None:
    """Add (sign 1) or remove (sign -1) attainment rows of the COUNTED columns."""
    for outcome, day, *units in rows:
        for field, unit in named_units(units):
            deltas[(outcome, field, unit, day)] += sign


def tally_versions(deltas: VersionDeltas, rows: Iterable[tuple[Any, ...]], sign: int) -> None:
    """`tally` for rows of the COUNTED columns after the map version."""
    for version, *counted in rows:
        tally(deltas[version], [tuple(counted)], sign)


def tally_heads(heads: Heads, rows: Iterable[Iterable[str | None]], sign: int) -> None:
    """Add or remove roster rows of ROSTER_FIELDS values (a zero change still names a unit)."""
    for row in rows:
        for key in named_units(row):
            heads[key] += sign


def apply_deltas(conn: sqlite3.Connection, tenant: str, version: int, deltas: Deltas) -> None:
    """Add the changes to the attainment counts, dropping counts that reach zero."""
    rows = [(tenant, version, *key, change) for key, change in deltas.items() if change]
    _add(conn, "outcome_unit_days", ("tenant", "version", "outcome", "field", "unit", "day"), rows)


def apply_heads(conn: sqlite3.Connection, tenant: str, heads: Heads) -> None:
    """Add the changes to the headcounts, dropping headcounts that reach zero."""
    rows = [(tenant, *key, change) for key, change in heads.items() if change]
    _add(conn, "outcome_unit_heads", ("tenant", "field", "unit"), rows)


def _add(conn: sqlite3.Connection, table: str, keys: tuple[str, ...], rows: list[Any]) -> None:
    """Add each row's last value to the `count` at its key; delete counts that reach zero."""
    marks = ", ".join("?" * (len(keys) + 1))
    conn.executemany(
        f"INSERT INTO {table} ({', '.join(keys)}, count) VALUES ({marks}) "
        "ON CONFLICT DO UPDATE SET count = count + excluded.count",
        rows,
    )
    match = " AND ".join(f"{key} = ?" for key in keys)
    conn.executemany(
        f"DELETE FROM {table} WHERE {match} AND count = 0", [r[:-1] for r in rows if r[-1] < 0]
    )


def recount(conn: sqlite3.Connection, tenant: str) -> None:
    """Count the tenant's attainments afresh."""
    conn.execute("DELETE FROM outcome_unit_days WHERE tenant = ?", (tenant,))
    for field in ROSTER_FIELDS:
        conn.execute(
            "INSERT INTO outcome_unit_days (tenant, version, outcome, field, unit, day, count) "
            f"SELECT tenant, version, outcome, ?, {field}, {DAY}, count(*) "
            f"FROM outcome_attainments WHERE tenant = ? AND {field} IS NOT NULL "
            f"GROUP BY version, outcome, {field}, {DAY}",
            (field, tenant),
        )


def recount_all(conn: sqlite3.Connection) -> None:
    """Count every tenant's attainments and roster afresh (a store made before the counts)."""
    for (tenant,) in conn.execute("SELECT DISTINCT tenant FROM outcome_attainments").fetchall():
        recount(conn, tenant)
    fields = ", ".join(ROSTER_FIELDS)
    for (tenant,) in conn.execute("SELECT DISTINCT tenant FROM outcome_roster").fetchall():
        heads: Heads = Counter()
        rows = conn.execute(f"SELECT {fields} FROM outcome_roster WHERE tenant = ?", (tenant,))
        tally_heads(heads, rows, 1)
        apply_heads(conn, tenant, heads)


def unit_days(
    conn: sqlite3.Connection,
    tenant: str,
    version: int,
    field: str,
    outcomes: list[str],
    boundaries: list[int] | None = None,
) -> list[UnitDayCount]:
    """The counts of the outcomes in the units of one roster field.

    With a few sorted `boundaries` (days) the counts come summed into one row per interval
    between boundaries, dated at its first day (the days before the first boundary at the day
    before it): exact at every boundary, and far fewer rows to read.
    """
    bucket, bounds = "day", []
    if boundaries and len(boundaries) <= MAX_BOUNDARIES:
        bucket, bounds = _bucket(len(boundaries)), [boundaries[0] - 1, *boundaries]
    out: list[UnitDayCount] = []
    for outcome in outcomes:
        rows = conn.execute(
            f"SELECT unit, {bucket} AS bucket, sum(count) FROM outcome_unit_days "
            "WHERE tenant = ? AND version = ? AND outcome = ? AND field = ? GROUP BY unit, bucket",
            (*bounds, tenant, version, outcome, field),
        ).fetchall()
        out.extend(UnitDayCount(outcome, unit, day, count) for unit, day, count in rows)
    return out


def first_day(
    conn: sqlite3.Connection, tenant: str, version: int, field: str, outcomes: list[str]
) -> int | None:
    """The first day any of the outcomes was attained in a unit of the roster field."""
    marks = ", ".join("?" * len(outcomes))
    row = conn.execute(
        "SELECT min(day) FROM outcome_unit_days WHERE tenant = ? AND version = ? "
        f"AND outcome IN ({marks}) AND field = ?",
        (tenant, version, *outcomes, field),
    ).fetchone()
    return None if row is None else row[0]


def _bucket(count: int) -> str:
    """SQL dating a day at the start of its interval, by binary search over the boundaries:
    parameter 1 is the day before the first boundary, parameters 2.. the boundaries."""

    def search(low: int, high: int) -> str:  # intervals low..high; interval i ends at ?{i + 2}
        if low == high:
            return f"?{low + 1}"
        middle = (low + high) // 2
        below, above = search(low, middle), search(middle + 1, high)
        return f"CASE WHEN day < ?{middle + 2} THEN {below} ELSE {above} END"

    return search(0, count)


def headcounts(conn: sqlite3.Connection, tenant: str, field: str) -> dict[str, int]:
    """Rostered learners per unit of one roster field."""
    rows = conn.execute(
        "SELECT unit, count FROM outcome_unit_heads WHERE tenant = ? AND field = ?", (tenant, field)
    )
    return dict(rows.fetchall())

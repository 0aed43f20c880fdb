"""The outcome kinds of SQLite's Transfer (see `ports/transfer`): out in primary-key order, in
with INSERT OR IGNORE (the primary key decides).

Map versions come in with their cursor at 0: sequence numbers differ between stores, so the
target evaluates its statements once more from the first, over the evidence and attainments
copied, and finds them as they are (an attainment that stays the same emits nothing). The
current roster, the stints and the roster fields of attainments are derived from the roster
history copied in.
"""

from __future__ import annotations

import sqlite3
from typing import Any

import orjson

from service.model.outcomes import ROSTER_FIELDS
from service.store.ports.transfer import Cursor, Record
from service.store.sqlite.outcome_stints import restint

_FIELDS = ", ".join(ROSTER_FIELDS)
# kind: (table, key columns, other columns)
_TABLES: dict[str, tuple[str, tuple[str, ...], tuple[str, ...]]] = {
    "outcome_maps": (
        "outcome_maps",
        ("tenant", "version"),
        ("name", "number", "created", "status", "document"),
    ),
    "outcome_roster": (
        "outcome_roster_history",
        ("tenant", "learner", "valid_from"),
        ("valid_to", "name", *ROSTER_FIELDS),
    ),
    "outcome_kpis": ("outcome_kpis", ("tenant", "kpi", "org_unit", "period"), ("value",)),
    "outcome_evidence": (
        "outcome_evidence",
        ("tenant", "version", "learner", "outcome", "criterion", "statement_id"),
        ("activity", "ts", "seq"),
    ),
    "outcome_attainments": (
        "outcome_attainments",
        ("tenant", "version", "outcome", "learner"),
        ("attained", "level", "name", "evidence", "emitted"),
    ),
}
_JSON = {"document", "evidence", "emitted"}
COPIED_TABLES = {  # copied, derived from what is, or (the feed's log) the source's own
    *(table for table, _, _ in _TABLES.values()),
    "outcome_roster",
    "outcome_unit_history",
    "outcome_attainment_changes",  # feed cursors name a store's own commit order
}


def export(conn: sqlite3.Connection, kind: str, after: Cursor, limit: int) -> list[Record]:
    table, key, rest = _TABLES[kind]
    columns = (*key, *rest)
    where, params = "1", []
    if after is not None:
        where = f"({', '.join(key)}) > ({', '.join('?' * len(key))})"
        params = list(after)
    rows = conn.execute(
        f"SELECT {', '.join(columns)} FROM {table} WHERE {where} ORDER BY {', '.join(key)} LIMIT ?",
        [*params, limit],
    ).fetchall()
    records = []
    for row in rows:
        record: Record = {
            c: orjson.loads(v) if c in _JSON else v for c, v in zip(columns, row, strict=True)
        }
        record["_c"] = list(row[: len(key)])
        records.append(record)
    return records


def import_new(conn: sqlite3.Connection, kind: str, records: list[Record]) -> int:
    before = conn.total_changes
    table, key, rest = _TABLES[kind]
    columns = (*key, *rest)
    rows: list[list[Any]] = [
        [orjson.dumps(r[c]) if c in _JSON else r[c] for c in columns] for r in records
    ]
    conn.executemany(
        f"INSERT OR IGNORE INTO {table} ({', '.join(columns)}) "
        f"VALUES ({', '.join('?' * len(columns))})",
        rows,
    )
    count = conn.total_changes - before
    if kind == "outcome_roster":
        _derive_roster(conn, records)
    elif kind == "outcome_attainments":
        conn.executemany(
            f"UPDATE outcome_attainments SET ({_FIELDS}) = (SELECT {_FIELDS} FROM outcome_roster "
            "r WHERE r.tenant = ?1 AND r.learner = ?4) "
            "WHERE tenant = ?1 AND version = ?2 AND outcome = ?3 AND learner = ?4",
            [[r["tenant"], r["version"], r["outcome"], r["learner"]] for r in records],
        )
    return count


def _derive_roster(conn: sqlite3.Connection, records: list[Record]) -> None:
    """The current roster from the open entries, and the stints of the learners copied."""
    for r in records:
        if r["valid_to"] is None:
            conn.execute(
                f"INSERT OR REPLACE INTO outcome_roster (tenant, learner, name, {_FIELDS}) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (r["tenant"], r["learner"], r["name"], *(r[f] for f in ROSTER_FIELDS)),
            )
    by_tenant: dict[str, set[str]] = {}
    for r in records:
        by_tenant.setdefault(r["tenant"], set()).add(r["learner"])
    for tenant, learners in by_tenant.items():
        restint(conn, tenant, orjson.dumps(sorted(learners)).decode())

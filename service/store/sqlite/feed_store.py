"""SQLite's FeedStore: statements in `seq` order and tombstones in id order.

Every write transaction runs alone (one writer thread, and a file lock across worker
processes), and `seq` and tombstone ids are assigned inside it: the commit order is the `seq`
order. A read inside one transaction therefore sees a prefix of the commit order, and the
largest `seq` it sees is a low-water mark: nothing at or below it can be committed later.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from service.model.feed import FeedStatement, FeedStatements, Tombstone, TombstoneAction
from service.store.sqlite.database import SQLitePart


class SQLiteFeed(SQLitePart):
    """The change feed's reads (issue 19)."""

    async def feed_statements(self, tenant: str, after_seq: int, limit: int) -> FeedStatements:
        return await self._read(
            lambda conn: _in_snapshot(conn, _statements, tenant, after_seq, limit)
        )

    async def feed_tombstones(self, tenant: str, after_id: int, limit: int) -> list[Tombstone]:
        return await self._read(
            lambda conn: _in_snapshot(conn, _tombstones, tenant, after_id, limit)
        )


def _in_snapshot(conn: sqlite3.Connection, job: Any, *args: Any) -> Any:
    """Run the reads of `job` in one read transaction (one snapshot of the WAL)."""
    conn.execute("BEGIN")
    try:
        return job(conn, *args)
    finally:
        conn.execute("COMMIT")


def _statements(conn: sqlite3.Connection, tenant: str, after: int, limit: int) -> FeedStatements:
    through = int(conn.execute("SELECT coalesce(max(seq), 0) FROM statements").fetchone()[0])
    rows = conn.execute(
        "SELECT seq, id, body, voids, voided, ts_original FROM statements "
        "WHERE tenant = ? AND seq > ? AND seq <= ? ORDER BY seq LIMIT ?",
        (tenant, after, through, limit),
    ).fetchall()
    if not rows:
        return FeedStatements([], through)
    targets = sorted({row[3] for row in rows if row[3] is not None})
    target_seqs = dict(_by_id(conn, tenant, "SELECT id, seq FROM statements", "id", targets))
    voided_ids = sorted({row[1] for row in rows if row[4] and row[3] is None})
    voiders: dict[str, tuple[str, int]] = {}
    for target, voider, seq in _by_id(
        conn, tenant, "SELECT voids, id, seq FROM statements", "voids", voided_ids
    ):
        if target not in voiders or seq < voiders[target][1]:
            voiders[target] = (voider, seq)
    found = [
        FeedStatement(
            seq=seq,
            statement_id=statement_id,
            body=bytes(body),
            voids=voids,
            voids_seq=target_seqs.get(voids) if voids is not None else None,
            voided_by=_earlier(voiders.get(statement_id), seq),
            original_timestamp=original,
        )
        for seq, statement_id, body, voids, _, original in rows
    ]
    return FeedStatements(found, through)


def _earlier(voider: tuple[str, int] | None, seq: int) -> tuple[str, int] | None:
    return voider if voider is not None and voider[1] < seq else None


def _by_id(
    conn: sqlite3.Connection, tenant: str, select: str, column: str, values: list[str]
) -> list[tuple[Any, ...]]:
    """Rows of `select` whose `column` is one of `values`, in chunks SQLite accepts."""
    found: list[tuple[Any, ...]] = []
    for start in range(0, len(values), 500):
        chunk = values[start : start + 500]
        marks = ", ".join("?" * len(chunk))
        found += conn.execute(
            f"{select} WHERE tenant = ? AND {column} IN ({marks})", (tenant, *chunk)
        ).fetchall()
    return found


def _tombstones(conn: sqlite3.Connection, tenant: str, after: int, limit: int) -> list[Tombstone]:
    rows = conn.execute(
        "SELECT id, statement_id, coalesce(seq, 0), coalesce(action, 'deleted'), reason, deleted, "
        "change_id FROM tombstones WHERE tenant = ? AND id > ? ORDER BY id LIMIT ?",
        (tenant, after, limit),
    ).fetchall()
    redacted = [row[1] for row in rows if row[3] == "pseudonymised"]
    bodies = dict(_by_id(conn, tenant, "SELECT id, body FROM statements", "id", redacted))
    return [
        Tombstone(
            id=int(tid),
            statement_id=None if change_id is not None else statement_id,
            seq=int(seq),
            action=_action(action),
            reason=reason,
            at_ms=int(at),
            body=bytes(bodies[statement_id]) if statement_id in bodies else None,
            change_id=None if change_id is None else int(change_id),
        )
        for tid, statement_id, seq, action, reason, at, change_id in rows
    ]


_ACTIONS: dict[str, TombstoneAction] = {
    "pseudonymised": "pseudonymised",
    "attainment_deleted": "attainment_deleted",
}


def _action(text: str) -> TombstoneAction:
    return _ACTIONS.get(text, "deleted")

"""Statement queries on reader connections (writes are in `statement_writes`)."""

from __future__ import annotations

import sqlite3
from typing import Any

from service.model.statements import KeyKind, StatementPage, StatementQuery, Uploaded


def uploaded_of(column: str | None) -> Uploaded:
    """The `uploaded` column as a record: space-separated sha2s, NULL for none or unknown."""
    return None if column is None else tuple(column.split())


def seq_bounds(conn: sqlite3.Connection, tenant: str, query: StatementQuery) -> tuple[int, int]:
    """since/until/cursor as an exclusive-low, inclusive-high `seq` range (SR-41, SR-45)."""
    low = 0 if query.since_ms is None else _last_seq_stored_by(conn, tenant, query.since_ms)
    high = None if query.until_ms is None else _last_seq_stored_by(conn, tenant, query.until_ms)
    return query.seq_range(low, high)


def _last_seq_stored_by(conn: sqlite3.Connection, tenant: str, instant_ms: int) -> int:
    """The newest sequence number stored at or before the instant; 0 when none."""
    row = conn.execute(  # the newest index entry, not max() over every entry before it
        "SELECT seq FROM statements WHERE tenant = ? AND stored <= ? "
        "ORDER BY stored DESC, seq DESC LIMIT 1",
        (tenant, instant_ms),
    ).fetchone()
    return int(row[0]) if row is not None else 0


_SELECTIVITY = {  # the first key drives the range scan; the others are EXISTS probes
    KeyKind.REGISTRATION: 0,
    KeyKind.AGENT: 1,
    KeyKind.ACTIVITY: 2,
    KeyKind.RELATED_AGENT: 3,
    KeyKind.RELATED_ACTIVITY: 4,
    KeyKind.VERB: 5,
    KeyKind.AUTHORITY: 6,  # one platform credential usually wrote a large share
}


def query_statements(conn: sqlite3.Connection, tenant: str, query: StatementQuery) -> StatementPage:
    """Run a statement query as index lookups (SR-41..SR-46)."""
    key_ids: list[int] = []
    for kind, key in sorted(query.filter_keys(), key=lambda pair: _SELECTIVITY[pair[0]]):
        row = conn.execute(
            "SELECT key_id FROM index_keys WHERE tenant = ? AND kind = ? AND key = ?",
            (tenant, int(kind), key),
        ).fetchone()
        if row is None:
            return StatementPage(bodies=[], uploaded=[], last_seq=None, has_more=False)
        key_ids.append(row[0])
    low, high = seq_bounds(conn, tenant, query)
    order = "ASC" if query.ascending else "DESC"
    params: list[Any]
    if key_ids:
        sql = (
            "SELECT s.seq, s.body, s.stored, s.uploaded, s.ts_original FROM statement_keys k "
            "JOIN statements s ON s.seq = k.seq "
            "WHERE k.key_id = ? AND k.seq > ? AND k.seq <= ? AND s.voided = 0"
        )
        params = [key_ids[0], low, high]
        for key_id in key_ids[1:]:
            # on k.seq, not s.seq: SQLite then probes before it reads the statement row, which
            # at 10 million statements is mostly not cached (p50 63 -> 2 ms, verb+activity)
            sql += (
                " AND EXISTS (SELECT 1 FROM statement_keys x WHERE x.key_id = ? AND x.seq = k.seq)"
            )
            params.append(key_id)
        sql += f" ORDER BY k.seq {order} LIMIT ?"
    else:
        sql = (  # `+tenant`: walk the seq (rowid) range instead of an index on tenant
            "SELECT seq, body, stored, uploaded, ts_original FROM statements "
            "WHERE +tenant = ? AND seq > ? AND seq <= ? "
            f"AND voided = 0 ORDER BY seq {order} LIMIT ?"
        )
        params = [tenant, low, high]
    params.append(query.limit + 1)
    rows = conn.execute(sql, params).fetchall()
    has_more = len(rows) > query.limit
    rows = rows[: query.limit]
    through = None
    if has_more and query.ascending and query.through_seq is None:
        # The newest seq of any tenant: an upper bound of what this read could see (rowid max).
        through = conn.execute("SELECT max(seq) FROM statements").fetchone()[0]
    return StatementPage(
        bodies=[row[1] for row in rows],
        uploaded=[uploaded_of(row[3]) for row in rows],
        originals=[row[4] for row in rows],
        last_seq=rows[-1][0] if rows else None,
        has_more=has_more,
        newest_stored_ms=max((row[2] for row in rows), default=None),
        through_seq=through,
    )

"""Statement operations on SQLite connections: writes run on the writer thread, reads on readers."""

from __future__ import annotations

import sqlite3
from typing import Any

import orjson

from service.errors import ConflictError
from service.store.records import (
    KeyKind,
    NewStatement,
    StatementPage,
    StatementQuery,
    StoredAttachment,
)
from service.store.sqlite.agents import upsert_agents
from service.xapi.activities import merge_definition
from service.xapi.equivalence import statements_equivalent
from service.xapi.timestamps import format_ms


class KeyInterner:
    """Maps (tenant, kind, key) to a small integer id; owned by the writer thread."""

    def __init__(self, capacity: int = 200_000) -> None:
        self._ids: dict[tuple[str, int, str], int] = {}
        self._capacity = capacity

    def ids(
        self, conn: sqlite3.Connection, tenant: str, keys: set[tuple[KeyKind, str]]
    ) -> list[int]:
        """The ids of these keys, creating missing ones in the current transaction."""
        out: list[int] = []
        for kind, key in keys:
            cache_key = (tenant, int(kind), key)
            key_id = self._ids.get(cache_key)
            if key_id is None:
                key_id = _intern(conn, tenant, int(kind), key)
                if len(self._ids) >= self._capacity:
                    self._ids.clear()
                self._ids[cache_key] = key_id
            out.append(key_id)
        return out

    def forget(self) -> None:
        """Drop the cache: a rolled-back transaction may have created ids that no longer exist."""
        self._ids.clear()


def _intern(conn: sqlite3.Connection, tenant: str, kind: int, key: str) -> int:
    row = conn.execute(
        "INSERT INTO index_keys (tenant, kind, key) VALUES (?, ?, ?) "
        "ON CONFLICT (tenant, kind, key) DO UPDATE SET kind = kind RETURNING key_id",
        (tenant, kind, key),
    ).fetchone()
    return int(row[0])


def insert_statements(
    conn: sqlite3.Connection,
    interner: KeyInterner,
    tenant: str,
    statements: list[NewStatement],
    attachments: list[StoredAttachment],
    stored_ms: int,
) -> list[str]:
    """Insert a batch inside the caller's savepoint; raise ConflictError to reject it (SR-4)."""
    stored = format_ms(stored_ms)
    for new in statements:
        existing = conn.execute(
            "SELECT body FROM statements WHERE tenant = ? AND id = ?", (tenant, new.id)
        ).fetchone()
        if existing is not None:
            if not statements_equivalent(orjson.loads(existing[0]), new.statement):
                raise ConflictError(f"statement {new.id} already exists with different content")
            continue
        _insert_one(conn, interner, tenant, new, stored, stored_ms)
    conn.executemany(
        "INSERT OR IGNORE INTO attachments (tenant, sha2, content_type, data) VALUES (?, ?, ?, ?)",
        [(tenant, a.sha2, a.content_type, a.data) for a in attachments],
    )
    return [new.id for new in statements]


def _insert_one(
    conn: sqlite3.Connection,
    interner: KeyInterner,
    tenant: str,
    new: NewStatement,
    stored: str,
    stored_ms: int,
) -> None:
    statement = new.statement
    statement["stored"] = stored
    statement.setdefault("timestamp", stored)  # SR-11
    index = new.index
    voided = 0
    if index.voids is None:
        voided = int(
            conn.execute(
                "SELECT 1 FROM statements WHERE tenant = ? AND voids = ? LIMIT 1",
                (tenant, new.id),
            ).fetchone()
            is not None
        )
    seq = conn.execute(
        "INSERT INTO statements (tenant, id, stored, voided, ref_target, voids, body) "
        "VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING seq",
        (tenant, new.id, stored_ms, voided, index.ref_target, index.voids, orjson.dumps(statement)),
    ).fetchone()[0]
    new.seq = seq
    key_ids = interner.ids(conn, tenant, index.keys)
    if index.ref_target is not None:
        key_ids.extend(_keys_of(conn, tenant, index.ref_target))
    _add_keys(conn, seq, key_ids)
    _propagate_to_referrers(conn, tenant, new.id, key_ids)
    if index.voids is not None:
        conn.execute(
            "UPDATE statements SET voided = 1 WHERE tenant = ? AND id = ? AND voids IS NULL",
            (tenant, index.voids),
        )
    for activity_id, definition in index.definitions:
        _merge_activity(conn, tenant, activity_id, definition)
    upsert_agents(conn, tenant, index.agents)


def _keys_of(conn: sqlite3.Connection, tenant: str, statement_id: str) -> list[int]:
    """Index keys of a stored statement, including those it inherited through references."""
    rows = conn.execute(
        "SELECT k.key_id FROM statements s JOIN statement_keys k ON k.seq = s.seq "
        "WHERE s.tenant = ? AND s.id = ?",
        (tenant, statement_id),
    ).fetchall()
    return [row[0] for row in rows]


def _add_keys(conn: sqlite3.Connection, seq: int, key_ids: list[int]) -> None:
    conn.executemany(
        "INSERT OR IGNORE INTO statement_keys (key_id, seq) VALUES (?, ?)",
        [(key_id, seq) for key_id in set(key_ids)],
    )


def _propagate_to_referrers(
    conn: sqlite3.Connection, tenant: str, target_id: str, key_ids: list[int]
) -> None:
    """Statements that referenced this one before it arrived now match its filters too (SR-43)."""
    pending = [target_id]
    seen = {target_id}
    while pending:
        current = pending.pop()
        rows = conn.execute(
            "SELECT seq, id FROM statements WHERE tenant = ? AND ref_target = ?",
            (tenant, current),
        ).fetchall()
        for seq, referrer_id in rows:
            _add_keys(conn, seq, key_ids)
            if referrer_id not in seen:
                seen.add(referrer_id)
                pending.append(referrer_id)


def _merge_activity(
    conn: sqlite3.Connection, tenant: str, activity_id: str, definition: dict[str, Any]
) -> None:
    row = conn.execute(
        "SELECT definition FROM activities WHERE tenant = ? AND id = ?", (tenant, activity_id)
    ).fetchone()
    merged = merge_definition(orjson.loads(row[0]) if row else {}, definition)
    conn.execute(
        "INSERT INTO activities (tenant, id, definition) VALUES (?, ?, ?) "
        "ON CONFLICT (tenant, id) DO UPDATE SET definition = excluded.definition",
        (tenant, activity_id, orjson.dumps(merged)),
    )


def seq_bounds(conn: sqlite3.Connection, tenant: str, query: StatementQuery) -> tuple[int, int]:
    """Turn since/until/cursor into an exclusive-low, inclusive-high sequence range.

    `stored` never decreases as `seq` grows, so time bounds are sequence bounds (SR-45).
    """
    low, high = 0, 2**62
    if query.since_ms is not None:
        low = _last_seq_stored_by(conn, tenant, query.since_ms)
    if query.until_ms is not None:
        high = _last_seq_stored_by(conn, tenant, query.until_ms)
    if query.after_seq is not None:
        if query.ascending:
            low = max(low, query.after_seq)
        else:
            high = min(high, query.after_seq - 1)
    return low, high


def _last_seq_stored_by(conn: sqlite3.Connection, tenant: str, instant_ms: int) -> int:
    """The newest sequence number stored at or before the instant; 0 when none."""
    row = conn.execute(
        "SELECT max(seq) FROM statements WHERE tenant = ? AND stored <= ?", (tenant, instant_ms)
    ).fetchone()
    return int(row[0] or 0)


def query_statements(conn: sqlite3.Connection, tenant: str, query: StatementQuery) -> StatementPage:
    """Run a statement query as index lookups (SR-41..SR-46)."""
    key_ids: list[int] = []
    for kind, key in query.filter_keys():
        row = conn.execute(
            "SELECT key_id FROM index_keys WHERE tenant = ? AND kind = ? AND key = ?",
            (tenant, int(kind), key),
        ).fetchone()
        if row is None:
            return StatementPage(bodies=[], last_seq=None, has_more=False)
        key_ids.append(row[0])
    low, high = seq_bounds(conn, tenant, query)
    order = "ASC" if query.ascending else "DESC"
    params: list[Any]
    if key_ids:
        sql = (
            "SELECT s.seq, s.body, s.stored FROM statement_keys k "
            "JOIN statements s ON s.seq = k.seq "
            "WHERE k.key_id = ? AND k.seq > ? AND k.seq <= ? AND s.voided = 0"
        )
        params = [key_ids[0], low, high]
        for key_id in key_ids[1:]:
            sql += (
                " AND EXISTS (SELECT 1 FROM statement_keys x WHERE x.key_id = ? AND x.seq = s.seq)"
            )
            params.append(key_id)
        sql += f" ORDER BY k.seq {order} LIMIT ?"
    else:
        sql = (
            "SELECT seq, body, stored FROM statements WHERE tenant = ? AND seq > ? AND seq <= ? "
            f"AND voided = 0 ORDER BY seq {order} LIMIT ?"
        )
        params = [tenant, low, high]
    params.append(query.limit + 1)
    rows = conn.execute(sql, params).fetchall()
    has_more = len(rows) > query.limit
    rows = rows[: query.limit]
    return StatementPage(
        bodies=[row[1] for row in rows],
        last_seq=rows[-1][0] if rows else None,
        has_more=has_more,
        newest_stored_ms=max((row[2] for row in rows), default=None),
    )

"""SQLite's RetentionStore: policies, expired statements deleted with erasure's rules."""

from __future__ import annotations

import sqlite3
from typing import Any

import orjson

from service.model.retention import RetentionBatch, RetentionField, RetentionPolicy
from service.store.sqlite.database import SQLitePart
from service.store.sqlite.erasure import (
    _delete_orphan_attachments,
    _delete_statement,
    _key_ids_of,
    record_tombstones,
)
from service.xapi.timestamps import format_ms


def _expired(field: RetentionField, cutoff_ms: int) -> tuple[str, Any]:
    """The condition on a statement row, and its bound; timestamps are stored in canonical UTC
    form (V-12), so they compare as text."""
    if field == "stored":
        return "stored < ?", cutoff_ms
    return "json_extract(CAST(body AS TEXT), '$.timestamp') < ?", format_ms(cutoff_ms)


class SQLiteRetention(SQLitePart):
    """Retention (issue 20); see service.store.sqlite.erasure for the deletion rules."""

    async def set_retention_policy(self, tenant: str, policy: RetentionPolicy | None) -> None:
        def job(conn: sqlite3.Connection) -> None:
            if policy is None:
                conn.execute("DELETE FROM retention_policies WHERE tenant = ?", (tenant,))
                return
            conn.execute(
                "INSERT INTO retention_policies (tenant, period, field) VALUES (?, ?, ?) "
                "ON CONFLICT (tenant) DO UPDATE SET period = excluded.period, "
                "field = excluded.field",
                (tenant, policy.period, policy.field),
            )

        await self._write(job)

    async def retention_policies(self) -> dict[str, RetentionPolicy]:
        def job(conn: sqlite3.Connection) -> dict[str, RetentionPolicy]:
            rows = conn.execute("SELECT tenant, period, field FROM retention_policies").fetchall()
            return {tenant: RetentionPolicy(period, field) for tenant, period, field in rows}

        return await self._read(job)

    async def count_expired(self, tenant: str, field: RetentionField, cutoff_ms: int) -> int:
        condition, bound = _expired(field, cutoff_ms)
        sql = f"SELECT count(*) FROM statements WHERE tenant = ? AND {condition}"
        return await self._read(lambda conn: int(conn.execute(sql, (tenant, bound)).fetchone()[0]))

    async def delete_expired(
        self, tenant: str, field: RetentionField, cutoff_ms: int, *, limit: int, now_ms: int
    ) -> RetentionBatch:
        condition, bound = _expired(field, cutoff_ms)

        def job(conn: sqlite3.Connection) -> RetentionBatch:
            rows = conn.execute(
                f"SELECT seq, id, body FROM statements WHERE tenant = ? AND {condition} "
                "ORDER BY seq LIMIT ?",
                (tenant, bound, limit),
            ).fetchall()
            statements = [orjson.loads(body) for _, _, body in rows]
            outbox = 0
            for (seq, _, _), statement in zip(rows, statements, strict=True):
                outbox += _delete_statement(conn, seq, _key_ids_of(conn, tenant, statement))
            attachments = _delete_orphan_attachments(conn, tenant, statements)
            ids = [statement_id for _, statement_id, _ in rows]
            record_tombstones(
                conn, tenant, [(statement_id, seq, "deleted") for seq, statement_id, _ in rows],
                reason="retention", now_ms=now_ms,
            )  # fmt: skip
            return RetentionBatch(ids, outbox, attachments)

        return await self._write(job)

    async def list_tombstones(
        self, tenant: str, after_id: int, limit: int
    ) -> list[tuple[int, str, int]]:
        def job(conn: sqlite3.Connection) -> list[tuple[int, str, int]]:
            rows = conn.execute(
                "SELECT id, statement_id, deleted FROM tombstones WHERE tenant = ? AND id > ? "
                "AND change_id IS NULL ORDER BY id LIMIT ?",
                (tenant, after_id, limit),
            ).fetchall()
            return [(int(a), str(b), int(c)) for a, b, c in rows]

        return await self._read(job)

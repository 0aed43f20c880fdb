"""SQLite's OutboxStore: forwarding targets, leased batches and dead letters."""

from __future__ import annotations

import sqlite3

from service.model.forwarding import (
    DeadLetter,
    DeliveryOutcome,
    ForwardTarget,
    OutboxBatch,
    TargetStatus,
)
from service.store.ports.outbox import Rewrite
from service.store.sqlite import outbox as outbox_ops
from service.store.sqlite.database import SQLitePart


class SQLiteOutbox(SQLitePart):
    """Forwarding state (issue 5); the statement write adds outbox rows (see statement_writes)."""

    async def add_forward_target(self, target: ForwardTarget) -> ForwardTarget:
        return await self._write(lambda conn: outbox_ops.add_target(conn, target))

    async def list_forward_targets(self, tenant: str) -> list[TargetStatus]:
        return await self._read(lambda conn: outbox_ops.list_targets(conn, tenant))

    async def set_forward_target_enabled(
        self, tenant: str, target_id: int, enabled: bool
    ) -> TargetStatus:
        return await self._write(
            lambda conn: outbox_ops.set_enabled(conn, tenant, target_id, enabled)
        )

    async def delete_forward_target(self, tenant: str, target_id: int) -> None:
        await self._write(lambda conn: outbox_ops.delete_target(conn, tenant, target_id))

    async def due_forward_targets(self, now_ms: int) -> list[ForwardTarget]:
        return await self._read(lambda conn: outbox_ops.due_targets(conn, now_ms))

    async def claim_forward_batch(
        self, target_id: int, *, owner: str, now_ms: int, lease_ms: int, limit: int
    ) -> OutboxBatch | None:
        return await self._write(
            lambda conn: outbox_ops.claim(conn, target_id, owner, now_ms, lease_ms, limit)
        )

    async def finish_forward_batch(
        self, target_id: int, *, owner: str, now_ms: int, outcome: DeliveryOutcome
    ) -> None:
        await self._write(lambda conn: outbox_ops.finish(conn, target_id, owner, now_ms, outcome))

    async def list_dead_letters(
        self, tenant: str, target_id: int | None = None, *, limit: int = 100
    ) -> list[DeadLetter]:
        return await self._read(
            lambda conn: outbox_ops.dead_letters(conn, tenant, target_id, limit)
        )

    async def requeue_dead_letters(self, tenant: str, target_id: int | None = None) -> int:
        return await self._write(lambda conn: outbox_ops.requeue(conn, tenant, target_id))

    async def outbox_depth(self) -> int:
        return await self._read(outbox_ops.depth)

    async def rewrite_forward_secrets(self, rewrite: Rewrite) -> int:
        def job(conn: sqlite3.Connection) -> int:
            rows = conn.execute(
                "SELECT id, password FROM forward_targets WHERE password IS NOT NULL"
            ).fetchall()
            changed = [(new, target_id) for target_id, old in rows if (new := rewrite(old))]
            conn.executemany("UPDATE forward_targets SET password = ? WHERE id = ?", changed)
            return len(changed)

        return await self._write(job)

    async def dead_letter_counts(self) -> dict[tuple[str, str], int]:
        return await self._read(outbox_ops.dead_letter_counts)

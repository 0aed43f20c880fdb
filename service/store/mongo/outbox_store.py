"""MongoDB's OutboxStore: forwarding targets, leased batches and dead letters."""

from __future__ import annotations

from service.model.forwarding import (
    DeadLetter,
    DeliveryOutcome,
    ForwardTarget,
    OutboxBatch,
    TargetStatus,
)
from service.store.mongo import outbox as outbox_ops
from service.store.mongo import schema
from service.store.mongo.client import driver_errors
from service.store.mongo.connection import ORPHAN_AFTER_TIMEOUTS, MongoConnection
from service.store.ports.outbox import Rewrite


class MongoOutbox:
    """Forwarding state (issue 5); the statement write adds outbox rows (see statement_store)."""

    def __init__(self, conn: MongoConnection) -> None:
        self._conn = conn

    @driver_errors("add a forwarding target")
    async def add_forward_target(self, target: ForwardTarget) -> ForwardTarget:
        return await outbox_ops.add_target(self._conn.db, target)

    @driver_errors("list forwarding targets")
    async def list_forward_targets(self, tenant: str) -> list[TargetStatus]:
        return await outbox_ops.list_targets(self._conn.db, tenant)

    @driver_errors("change a forwarding target")
    async def set_forward_target_enabled(
        self, tenant: str, target_id: int, enabled: bool
    ) -> TargetStatus:
        return await outbox_ops.set_enabled(self._conn.db, tenant, target_id, enabled)

    @driver_errors("delete a forwarding target")
    async def delete_forward_target(self, tenant: str, target_id: int) -> None:
        await outbox_ops.delete_target(self._conn.db, tenant, target_id)

    @driver_errors("find due forwarding targets")
    async def due_forward_targets(self, now_ms: int) -> list[ForwardTarget]:
        return await outbox_ops.due_targets(self._conn.db, now_ms)

    @driver_errors("claim a forwarding batch")
    async def claim_forward_batch(
        self, target_id: int, *, owner: str, now_ms: int, lease_ms: int, limit: int
    ) -> OutboxBatch | None:
        orphan_after_ms = ORPHAN_AFTER_TIMEOUTS * self._conn.options.timeout_ms
        return await outbox_ops.claim(
            self._conn.db, target_id, owner, now_ms, lease_ms, limit, orphan_after_ms
        )

    @driver_errors("finish a forwarding batch")
    async def finish_forward_batch(
        self, target_id: int, *, owner: str, now_ms: int, outcome: DeliveryOutcome
    ) -> None:
        await outbox_ops.finish(self._conn.db, target_id, owner, now_ms, outcome)

    @driver_errors("list dead letters")
    async def list_dead_letters(
        self, tenant: str, target_id: int | None = None, *, limit: int = 100
    ) -> list[DeadLetter]:
        return await outbox_ops.dead_letters(self._conn.db, tenant, target_id, limit)

    @driver_errors("requeue dead letters")
    async def requeue_dead_letters(self, tenant: str, target_id: int | None = None) -> int:
        return await outbox_ops.requeue(self._conn.db, tenant, target_id)

    @driver_errors("count the outbox")
    async def outbox_depth(self) -> int:
        """Statements waiting to be forwarded, every tenant, dead letters excluded (issue 5)."""
        return await self._conn.db[schema.OUTBOX].count_documents({"dead": False})

    @driver_errors("count dead letters")
    async def dead_letter_counts(self) -> dict[tuple[str, str], int]:
        return await outbox_ops.dead_letter_counts(self._conn.db)

    @driver_errors("rewrite forwarding secrets")
    async def rewrite_forward_secrets(self, rewrite: Rewrite) -> int:
        targets = self._conn.db[schema.FORWARD_TARGETS]
        changed = 0
        async for doc in targets.find({"password": {"$ne": None}}, {"password": 1}):
            new = rewrite(doc["password"])
            if new is not None:  # only if unchanged meanwhile: a concurrent reseal wrote first
                updated = await targets.update_one(
                    {"_id": doc["_id"], "password": doc["password"]}, {"$set": {"password": new}}
                )
                changed += updated.modified_count
        return changed

"""The tenancy, forwarding and erasure methods of SQLiteStore (issue 5), as a mixin."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Any, TypeVar

from service.model.clock import now_ms
from service.model.forwarding import (
    DeadLetter,
    DeliveryOutcome,
    ForwardTarget,
    OutboxBatch,
    TargetStatus,
)
from service.model.tenancy import (
    CredentialChanges,
    CredentialRecord,
    ErasureRecord,
    Limits,
    TenantRecord,
)
from service.store.sqlite import admin as admin_ops
from service.store.sqlite import erasure as erasure_ops
from service.store.sqlite import outbox as outbox_ops
from service.xapi.erasure import agent_hash

T = TypeVar("T")


class SQLiteAdminMethods:
    """Needs `_read`, `_write` and `_forget_index_keys` from SQLiteStore."""

    async def _read(self, job: Callable[[sqlite3.Connection], T]) -> T:
        raise NotImplementedError

    async def _write(self, job: Callable[[sqlite3.Connection], T]) -> T:
        raise NotImplementedError

    def _forget_index_keys(self) -> None:
        raise NotImplementedError

    async def add_tenant(self, tenant: TenantRecord) -> None:
        await self._write(lambda conn: admin_ops.add_tenant(conn, tenant))

    async def get_tenant(self, name: str) -> TenantRecord | None:
        return await self._read(lambda conn: admin_ops.get_tenant(conn, name))

    async def list_tenants(self) -> list[TenantRecord]:
        return await self._read(admin_ops.list_tenants)

    async def update_tenant(
        self, name: str, *, enabled: bool | None = None, limits: Limits | None = None
    ) -> TenantRecord:
        return await self._write(lambda conn: admin_ops.update_tenant(conn, name, enabled, limits))

    async def add_credential(self, credential: CredentialRecord) -> None:
        await self._write(lambda conn: admin_ops.add_credential(conn, credential))

    async def get_credential(self, key: str) -> CredentialRecord | None:
        return await self._read(lambda conn: admin_ops.get_credential(conn, key))

    async def list_credentials(self, tenant: str | None = None) -> list[CredentialRecord]:
        return await self._read(lambda conn: admin_ops.list_credentials(conn, tenant))

    async def update_credential(self, key: str, changes: CredentialChanges) -> CredentialRecord:
        return await self._write(lambda conn: admin_ops.update_credential(conn, key, changes))

    async def touch_credentials(self, last_used: dict[str, int]) -> None:
        await self._write(lambda conn: admin_ops.touch_credentials(conn, last_used))

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

    async def erase_agent(
        self, tenant: str, agent_key: str, *, erased_by: str, pseudonym: dict[str, Any]
    ) -> ErasureRecord:
        def job(conn: sqlite3.Connection) -> ErasureRecord:
            self._forget_index_keys()  # the job deletes interned keys; forget them either way
            try:
                return erasure_ops.erase_agent(
                    conn,
                    tenant,
                    agent_key,
                    agent_hash=agent_hash(tenant, agent_key),
                    erased_by=erased_by,
                    pseudonym=pseudonym,
                    now_ms=now_ms(),
                )
            finally:
                self._forget_index_keys()

        return await self._write(job)

    async def list_erasures(self, tenant: str) -> list[ErasureRecord]:
        return await self._read(lambda conn: erasure_ops.list_erasures(conn, tenant))

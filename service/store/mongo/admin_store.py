"""The tenancy, forwarding and erasure methods of MongoStore (issue 5), as a mixin."""

from __future__ import annotations

from typing import Any

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase

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
from service.store.mongo import admin as admin_ops
from service.store.mongo import erasure as erasure_ops
from service.store.mongo import outbox as outbox_ops
from service.store.mongo import schema
from service.store.mongo.client import Doc, driver_errors
from service.xapi.erasure import agent_hash


class MongoAdminMethods:
    """Needs `db` and `_coll` from MongoStore."""

    @property
    def db(self) -> AsyncDatabase[Doc]:
        raise NotImplementedError

    def _coll(self, name: str) -> AsyncCollection[Doc]:
        raise NotImplementedError

    @driver_errors("add a tenant")
    async def add_tenant(self, tenant: TenantRecord) -> None:
        await admin_ops.add_tenant(self._coll(schema.TENANTS), tenant)

    @driver_errors("read a tenant")
    async def get_tenant(self, name: str) -> TenantRecord | None:
        return await admin_ops.get_tenant(self._coll(schema.TENANTS), name)

    @driver_errors("list tenants")
    async def list_tenants(self) -> list[TenantRecord]:
        return await admin_ops.list_tenants(self._coll(schema.TENANTS))

    @driver_errors("change a tenant")
    async def update_tenant(
        self, name: str, *, enabled: bool | None = None, limits: Limits | None = None
    ) -> TenantRecord:
        return await admin_ops.update_tenant(self._coll(schema.TENANTS), name, enabled, limits)

    @driver_errors("add a credential")
    async def add_credential(self, credential: CredentialRecord) -> None:
        await admin_ops.add_credential(self._coll(schema.CREDENTIALS), credential)

    @driver_errors("read a credential")
    async def get_credential(self, key: str) -> CredentialRecord | None:
        return await admin_ops.get_credential(self._coll(schema.CREDENTIALS), key)

    @driver_errors("count credentials")
    async def count_credentials(self) -> int:
        return await self._coll(schema.CREDENTIALS).count_documents({})

    @driver_errors("list credentials")
    async def list_credentials(self, tenant: str | None = None) -> list[CredentialRecord]:
        return await admin_ops.list_credentials(self._coll(schema.CREDENTIALS), tenant)

    @driver_errors("change a credential")
    async def update_credential(self, key: str, changes: CredentialChanges) -> CredentialRecord:
        return await admin_ops.update_credential(self._coll(schema.CREDENTIALS), key, changes)

    @driver_errors("record credential use")
    async def touch_credentials(self, last_used: dict[str, int]) -> None:
        await admin_ops.touch_credentials(self._coll(schema.CREDENTIALS), last_used)

    @driver_errors("add a forwarding target")
    async def add_forward_target(self, target: ForwardTarget) -> ForwardTarget:
        return await outbox_ops.add_target(self.db, target)

    @driver_errors("list forwarding targets")
    async def list_forward_targets(self, tenant: str) -> list[TargetStatus]:
        return await outbox_ops.list_targets(self.db, tenant)

    @driver_errors("change a forwarding target")
    async def set_forward_target_enabled(
        self, tenant: str, target_id: int, enabled: bool
    ) -> TargetStatus:
        return await outbox_ops.set_enabled(self.db, tenant, target_id, enabled)

    @driver_errors("delete a forwarding target")
    async def delete_forward_target(self, tenant: str, target_id: int) -> None:
        await outbox_ops.delete_target(self.db, tenant, target_id)

    @driver_errors("find due forwarding targets")
    async def due_forward_targets(self, now_ms: int) -> list[ForwardTarget]:
        return await outbox_ops.due_targets(self.db, now_ms)

    @driver_errors("claim a forwarding batch")
    async def claim_forward_batch(
        self, target_id: int, *, owner: str, now_ms: int, lease_ms: int, limit: int
    ) -> OutboxBatch | None:
        return await outbox_ops.claim(self.db, target_id, owner, now_ms, lease_ms, limit)

    @driver_errors("finish a forwarding batch")
    async def finish_forward_batch(
        self, target_id: int, *, owner: str, now_ms: int, outcome: DeliveryOutcome
    ) -> None:
        await outbox_ops.finish(self.db, target_id, owner, now_ms, outcome)

    @driver_errors("list dead letters")
    async def list_dead_letters(
        self, tenant: str, target_id: int | None = None, *, limit: int = 100
    ) -> list[DeadLetter]:
        return await outbox_ops.dead_letters(self.db, tenant, target_id, limit)

    @driver_errors("requeue dead letters")
    async def requeue_dead_letters(self, tenant: str, target_id: int | None = None) -> int:
        return await outbox_ops.requeue(self.db, tenant, target_id)

    @driver_errors("count the outbox")
    async def outbox_depth(self) -> int:
        """Statements waiting to be forwarded, every tenant, dead letters excluded (issue 5)."""
        return await self.db[schema.OUTBOX].count_documents({"dead": False})

    @driver_errors("erase an agent")
    async def erase_agent(
        self, tenant: str, agent_key: str, *, erased_by: str, pseudonym: dict[str, Any]
    ) -> ErasureRecord:
        return await erasure_ops.erase_agent(
            self.db,
            tenant,
            agent_key,
            agent_hash=agent_hash(tenant, agent_key),
            erased_by=erased_by,
            pseudonym=pseudonym,
            now_ms=now_ms(),
        )

    @driver_errors("list erasures")
    async def list_erasures(self, tenant: str) -> list[ErasureRecord]:
        return await erasure_ops.list_erasures(self.db, tenant)

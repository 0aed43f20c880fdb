"""MongoDB's AccountStore: tenants, credentials and their last use."""

from __future__ import annotations

from service.model.errors import NotFoundError
from service.model.tenancy import CredentialChanges, CredentialRecord, Limits, TenantRecord
from service.store.mongo import admin as admin_ops
from service.store.mongo import schema
from service.store.mongo.client import driver_errors
from service.store.mongo.connection import MongoConnection


class MongoAccounts:
    """Tenants and credentials (issue 5); see service.store.mongo.admin."""

    def __init__(self, conn: MongoConnection) -> None:
        self._conn = conn

    @driver_errors("add a tenant")
    async def add_tenant(self, tenant: TenantRecord) -> None:
        await admin_ops.add_tenant(self._conn.coll(schema.TENANTS), tenant)

    @driver_errors("read a tenant")
    async def get_tenant(self, name: str) -> TenantRecord | None:
        return await admin_ops.get_tenant(self._conn.coll(schema.TENANTS), name)

    @driver_errors("list tenants")
    async def list_tenants(self) -> list[TenantRecord]:
        return await admin_ops.list_tenants(self._conn.coll(schema.TENANTS))

    @driver_errors("change a tenant")
    async def update_tenant(
        self, name: str, *, enabled: bool | None = None, limits: Limits | None = None
    ) -> TenantRecord:
        return await admin_ops.update_tenant(self._conn.coll(schema.TENANTS), name, enabled, limits)

    @driver_errors("add a credential")
    async def add_credential(self, credential: CredentialRecord) -> None:
        await admin_ops.add_credential(self._conn.coll(schema.CREDENTIALS), credential)

    @driver_errors("read a credential")
    async def get_credential(self, key: str) -> CredentialRecord | None:
        return await admin_ops.get_credential(self._conn.coll(schema.CREDENTIALS), key)

    @driver_errors("count credentials")
    async def count_credentials(self) -> int:
        return await self._conn.coll(schema.CREDENTIALS).count_documents({})

    @driver_errors("list credentials")
    async def list_credentials(self, tenant: str | None = None) -> list[CredentialRecord]:
        return await admin_ops.list_credentials(self._conn.coll(schema.CREDENTIALS), tenant)

    @driver_errors("change a credential")
    async def update_credential(self, key: str, changes: CredentialChanges) -> CredentialRecord:
        return await admin_ops.update_credential(self._conn.coll(schema.CREDENTIALS), key, changes)

    @driver_errors("delete a credential")
    async def delete_credential(self, key: str) -> None:
        deleted = await self._conn.coll(schema.CREDENTIALS).delete_one({"_id": key})
        if deleted.deleted_count == 0:
            raise NotFoundError(f"no credential with key {key!r}")

    @driver_errors("record credential use")
    async def touch_credentials(self, last_used: dict[str, int]) -> None:
        await admin_ops.touch_credentials(self._conn.coll(schema.CREDENTIALS), last_used)

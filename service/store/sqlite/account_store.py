"""SQLite's AccountStore: tenants, credentials and their last use."""

from __future__ import annotations

import sqlite3

from service.model.errors import NotFoundError
from service.model.tenancy import CredentialChanges, CredentialRecord, Limits, TenantRecord
from service.store.sqlite import admin as admin_ops
from service.store.sqlite.database import SQLitePart


class SQLiteAccounts(SQLitePart):
    """Tenants and credentials (issue 5); see service.store.sqlite.admin for the SQL."""

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

    async def count_credentials(self) -> int:
        def job(conn: sqlite3.Connection) -> int:
            return int(conn.execute("SELECT count(*) FROM credentials").fetchone()[0])

        return await self._read(job)

    async def list_credentials(self, tenant: str | None = None) -> list[CredentialRecord]:
        return await self._read(lambda conn: admin_ops.list_credentials(conn, tenant))

    async def update_credential(self, key: str, changes: CredentialChanges) -> CredentialRecord:
        return await self._write(lambda conn: admin_ops.update_credential(conn, key, changes))

    async def delete_credential(self, key: str) -> None:
        def job(conn: sqlite3.Connection) -> None:
            if conn.execute("DELETE FROM credentials WHERE key = ?", (key,)).rowcount == 0:
                raise NotFoundError(f"no credential with key {key!r}")

        await self._write(job)

    async def touch_credentials(self, last_used: dict[str, int]) -> None:
        await self._write(lambda conn: admin_ops.touch_credentials(conn, last_used))

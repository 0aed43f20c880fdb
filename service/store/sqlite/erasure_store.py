"""SQLite's ErasureStore: one agent erased in one writer transaction, and the record of it."""

from __future__ import annotations

import sqlite3
from typing import Any

from service.model.clock import now_ms
from service.model.tenancy import ErasureRecord
from service.store.sqlite import erasure as erasure_ops
from service.store.sqlite import tenant_removal
from service.store.sqlite.database import SQLitePart
from service.xapi.erasure import agent_hash


class SQLiteErasure(SQLitePart):
    """Erasure (issue 5); see service.store.sqlite.erasure for what is deleted or rewritten."""

    async def erase_agent(
        self,
        tenant: str,
        agent_key: str,
        *,
        learner: str,
        erased_by: str,
        pseudonym: dict[str, Any],
    ) -> ErasureRecord:
        db = self._db

        def job(conn: sqlite3.Connection) -> ErasureRecord:
            db.forget_everywhere()  # the job deletes interned keys; forget them either way
            try:
                return erasure_ops.erase_agent(
                    conn,
                    tenant,
                    agent_key,
                    agent_hash=agent_hash(tenant, agent_key),
                    learner=learner,
                    erased_by=erased_by,
                    pseudonym=pseudonym,
                    now_ms=now_ms(),
                )
            finally:
                db.caches.forget()

        return await self._write(job)

    async def list_erasures(self, tenant: str) -> list[ErasureRecord]:
        return await self._read(lambda conn: erasure_ops.list_erasures(conn, tenant))

    async def erase_tenant(self, tenant: str) -> dict[str, int]:
        db = self._db

        def job(conn: sqlite3.Connection) -> dict[str, int]:
            db.forget_everywhere()  # interned index keys of the tenant go
            return tenant_removal.delete_tenant(conn, tenant)

        return await self._write(job)

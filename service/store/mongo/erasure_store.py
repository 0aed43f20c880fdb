"""MongoDB's ErasureStore: one agent erased in one tenant, and the record of it."""

from __future__ import annotations

from typing import Any

from service.model.clock import now_ms
from service.model.tenancy import ErasureRecord
from service.store.mongo import erasure as erasure_ops
from service.store.mongo.client import driver_errors
from service.store.mongo.connection import MongoConnection
from service.xapi.erasure import agent_hash


class MongoErasure:
    """Erasure (issue 5); see service.store.mongo.erasure for what is deleted or rewritten."""

    def __init__(self, conn: MongoConnection) -> None:
        self._conn = conn

    @driver_errors("erase an agent")
    async def erase_agent(
        self,
        tenant: str,
        agent_key: str,
        *,
        learner: str,
        erased_by: str,
        pseudonym: dict[str, Any],
    ) -> ErasureRecord:
        return await erasure_ops.erase_agent(
            self._conn.db,
            tenant,
            agent_key,
            learner=learner,
            agent_hash=agent_hash(tenant, agent_key),
            erased_by=erased_by,
            pseudonym=pseudonym,
            now_ms=now_ms(),
        )

    @driver_errors("list erasures")
    async def list_erasures(self, tenant: str) -> list[ErasureRecord]:
        return await erasure_ops.list_erasures(self._conn.db, tenant)

    @driver_errors("delete a tenant")
    async def erase_tenant(self, tenant: str) -> dict[str, int]:
        return await erasure_ops.erase_tenant(self._conn.db, tenant)

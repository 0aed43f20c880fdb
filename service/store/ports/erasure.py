"""The erasure capability: erase one agent everywhere in a tenant, and the record of it."""

from __future__ import annotations

from typing import Any, Protocol

from service.model.tenancy import (
    ErasureRecord,
)


class ErasureStore(Protocol):
    """Erasure across statements, documents and side tables, atomic inside the adapter."""

    async def erase_agent(
        self,
        tenant: str,
        agent_key: str,
        *,
        learner: str,
        erased_by: str,
        pseudonym: dict[str, Any],
    ) -> ErasureRecord:
        """Erase an agent atomically as `service.xapi.erasure` decides, with their outcome
        state as `learner` (evidence, attainments, roster entries and history), and record
        it; the record answered carries the ids of the statements deleted."""
        ...

    async def list_erasures(self, tenant: str) -> list[ErasureRecord]: ...

    async def erase_tenant(self, tenant: str) -> dict[str, int]:
        """Delete the tenant and everything it holds (statements, attachments, documents,
        credentials, forwarding, outcome state); erasure records and the audit log stay.
        Returns the records deleted per table or collection."""
        ...

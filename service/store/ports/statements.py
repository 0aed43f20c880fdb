"""The statements capability: the statement write, reads, attachments, definitions, agents."""

from __future__ import annotations

from typing import Any, Protocol

from service.model.documents import KnownAgent
from service.model.statements import (
    StatementPage,
    StatementQuery,
    StatementWrite,
    StoredAttachment,
    StoredStatement,
)


class StatementStore(Protocol):
    """Statements of every tenant, their attachments, canonical activity definitions (RS-4)
    and the agents they name (RS-6).

    `store_statements` also queues the new statements in the outbox of every forwarding target
    of the tenant, inside the adapter and with the statements (one transaction on SQLite; on
    MongoDB written before the batch's commit marker): the atomicity spans two capabilities, so
    it stays in one call.
    """

    def consistent_through_ms(self) -> int:
        """Every statement stored at or before this instant is visible to queries (T-18)."""
        ...

    async def store_statements(self, write: StatementWrite) -> list[str]:
        """Store a batch all-or-nothing; equivalent re-posts are no-ops (SR-4).

        Raises ConflictError when an id exists with different content; returns the ids.
        """
        ...

    async def get_statement(
        self, tenant: str, statement_id: str, *, voided: bool
    ) -> StoredStatement | None:
        """The statement by id if its voided state equals `voided` (SR-30, SR-31)."""
        ...

    async def query_statements(self, tenant: str, query: StatementQuery) -> StatementPage: ...

    async def get_attachments(self, tenant: str, sha2s: list[str]) -> list[StoredAttachment]: ...

    async def get_activity_definitions(
        self, tenant: str, activity_ids: list[str]
    ) -> dict[str, dict[str, Any]]:
        """Canonical definitions (RS-4) of those activities that have one."""
        ...

    async def get_agent(self, tenant: str, agent_key: str) -> KnownAgent | None:
        """What statements told about an agent: its IFI and the names used with it (RS-6)."""
        ...

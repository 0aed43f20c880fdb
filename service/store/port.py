"""The storage port: every backend implements this async Protocol (ARCHITECTURE rule 3)."""

from __future__ import annotations

from typing import Any, Protocol

from service.store.document_records import (
    DocumentIds,
    DocumentKey,
    DocumentScope,
    DocumentWrite,
    KnownAgent,
    Preconditions,
    StoredDocument,
)
from service.store.outcome_port import OutcomeStore
from service.store.records import (
    CredentialRecord,
    NewStatement,
    StatementPage,
    StatementQuery,
    StoredAttachment,
    StoredStatement,
)


class Store(OutcomeStore, Protocol):
    """Durable storage of one LRS; every call is scoped to a tenant."""

    kind: str

    async def open(self) -> None: ...

    async def close(self) -> None: ...

    def consistent_through_ms(self) -> int:
        """Every statement stored at or before this instant is visible to queries (T-18)."""
        ...

    async def store_statements(
        self,
        tenant: str,
        statements: list[NewStatement],
        attachments: list[StoredAttachment],
    ) -> list[str]:
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

    async def get_document(self, tenant: str, key: DocumentKey) -> StoredDocument | None:
        """One State, Activity Profile or Agent Profile document (D-1, D-3)."""
        ...

    async def list_documents(
        self, tenant: str, scope: DocumentScope, *, since_ms: int | None = None
    ) -> DocumentIds:
        """Ids in the scope updated after `since_ms`; no registration = all (D-9, D-22)."""
        ...

    async def put_document(
        self, tenant: str, key: DocumentKey, write: DocumentWrite
    ) -> StoredDocument:
        """PUT or POST-merge atomically with `service.xapi.documents.resolve_write` (D-4..D-14).

        Raises PreconditionFailedError, ConflictError or BadRequestError, changing nothing.
        """
        ...

    async def delete_document(
        self, tenant: str, key: DocumentKey, preconditions: Preconditions
    ) -> None:
        """Delete one document if the preconditions hold, else 412 and no change (D-13)."""
        ...

    async def delete_documents(
        self, tenant: str, scope: DocumentScope, preconditions: Preconditions
    ) -> None:
        """Delete every document of a scope; preconditions apply to the id list's ETag (D-23)."""
        ...

    async def get_agent(self, tenant: str, agent_key: str) -> KnownAgent | None:
        """What statements told about an agent: its IFI and the names used with it (RS-6)."""
        ...

    async def add_credential(self, credential: CredentialRecord) -> None: ...

    async def get_credential(self, key: str) -> CredentialRecord | None: ...

    async def count_credentials(self) -> int: ...

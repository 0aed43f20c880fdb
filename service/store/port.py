"""The storage port: every backend implements this async Protocol (ARCHITECTURE rule 3)."""

from __future__ import annotations

from typing import Any, Protocol

from service.model.documents import (
    DocumentIds,
    DocumentKey,
    DocumentScope,
    DocumentWrite,
    KnownAgent,
    Preconditions,
    StoredDocument,
)
from service.model.forwarding import (
    DeadLetter,
    DeliveryOutcome,
    ForwardTarget,
    OutboxBatch,
    TargetStatus,
)
from service.model.statements import (
    StatementPage,
    StatementQuery,
    StatementWrite,
    StoredAttachment,
    StoredStatement,
)
from service.model.tenancy import (
    CredentialChanges,
    CredentialRecord,
    ErasureRecord,
    Limits,
    TenantRecord,
)
from service.store.outcome_port import OutcomeStore


class Store(OutcomeStore, Protocol):
    """Durable storage of one LRS; every call is scoped to a tenant."""

    kind: str

    async def open(self) -> None: ...

    async def close(self) -> None: ...

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

    # Tenants and credentials (issue 5) ---------------------------------------------------------

    async def add_tenant(self, tenant: TenantRecord) -> None:
        """Create a tenant; ConflictError when the name is taken."""
        ...

    async def get_tenant(self, name: str) -> TenantRecord | None: ...

    async def list_tenants(self) -> list[TenantRecord]:
        """Every tenant, by name; the `default` tenant always exists."""
        ...

    async def update_tenant(
        self, name: str, *, enabled: bool | None = None, limits: Limits | None = None
    ) -> TenantRecord:
        """Change a tenant's state or limit overrides; NotFoundError when it does not exist."""
        ...

    async def list_credentials(self, tenant: str | None = None) -> list[CredentialRecord]:
        """Credentials of one tenant (or all), oldest first; secrets stay hashed."""
        ...

    async def update_credential(self, key: str, changes: CredentialChanges) -> CredentialRecord:
        """Apply the changes atomically; NotFoundError when the key does not exist."""
        ...

    async def touch_credentials(self, last_used: dict[str, int]) -> None:
        """Record last-used instants (ms) in one write; never moves a time backwards."""
        ...

    # Forwarding (issue 5) ----------------------------------------------------------------------

    async def add_forward_target(self, target: ForwardTarget) -> ForwardTarget:
        """Store a target and return it with its id; ConflictError when the name is taken."""
        ...

    async def list_forward_targets(self, tenant: str) -> list[TargetStatus]: ...

    async def set_forward_target_enabled(
        self, tenant: str, target_id: int, enabled: bool
    ) -> TargetStatus:
        """Pause or resume a target (NotFoundError when not in the tenant)."""
        ...

    async def delete_forward_target(self, tenant: str, target_id: int) -> None:
        """Remove a target and its outbox rows (NotFoundError when not in the tenant)."""
        ...

    async def due_forward_targets(self, now_ms: int) -> list[ForwardTarget]:
        """Enabled targets of every tenant with pending statements whose back-off has passed."""
        ...

    async def claim_forward_batch(
        self, target_id: int, *, owner: str, now_ms: int, lease_ms: int, limit: int
    ) -> OutboxBatch | None:
        """Lease the target to `owner` and return its oldest pending statements in `stored` order.

        None when another live lease holds the target, it is not due, or nothing is pending.
        """
        ...

    async def finish_forward_batch(
        self, target_id: int, *, owner: str, now_ms: int, outcome: DeliveryOutcome
    ) -> None:
        """Drop delivered rows; count a failed attempt (dead-letter at max); release the lease."""
        ...

    async def list_dead_letters(
        self, tenant: str, target_id: int | None = None, *, limit: int = 100
    ) -> list[DeadLetter]: ...

    async def requeue_dead_letters(self, tenant: str, target_id: int | None = None) -> int:
        """Put dead letters back in the outbox with no attempts; returns how many."""
        ...

    async def outbox_depth(self) -> int:
        """Statements waiting to be forwarded, over every tenant and target (not dead letters)."""
        ...

    # Erasure (issue 5) -------------------------------------------------------------------------

    async def erase_agent(
        self, tenant: str, agent_key: str, *, erased_by: str, pseudonym: dict[str, Any]
    ) -> ErasureRecord:
        """Erase an agent atomically as `service.xapi.erasure` decides, and record it."""
        ...

    async def list_erasures(self, tenant: str) -> list[ErasureRecord]: ...

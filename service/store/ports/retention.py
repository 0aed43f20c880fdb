"""The retention capability: per-tenant policies and the deletion of expired statements."""

from __future__ import annotations

from typing import Protocol

from service.model.retention import RetentionBatch, RetentionField, RetentionPolicy


class RetentionStore(Protocol):
    """Policies per tenant, and statement deletion by age with erasure's rules: index and
    outbox rows go with each statement, attachments no statement uses any more go, `seq`
    never moves back, and each deleted id is kept as a tombstone (for a feed to show)."""

    async def set_retention_policy(self, tenant: str, policy: RetentionPolicy | None) -> None:
        """Set or (None) clear the tenant's policy."""
        ...

    async def retention_policies(self) -> dict[str, RetentionPolicy]:
        """Every tenant's policy, by tenant."""
        ...

    async def count_expired(self, tenant: str, field: RetentionField, cutoff_ms: int) -> int:
        """Statements of the tenant whose `field` is before `cutoff_ms` (a dry run)."""
        ...

    async def delete_expired(
        self, tenant: str, field: RetentionField, cutoff_ms: int, *, limit: int, now_ms: int
    ) -> RetentionBatch:
        """Delete at most `limit` of those statements atomically; fewer means none are left."""
        ...

    async def list_tombstones(
        self, tenant: str, after_id: int, limit: int
    ) -> list[tuple[int, str, int]]:
        """Deleted statements as (tombstone id, statement id, deleted ms), oldest first."""
        ...

"""The outbox capability: forwarding targets, claimed batches and dead letters."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from service.model.forwarding import (
    DeadLetter,
    DeliveryOutcome,
    ForwardTarget,
    OutboxBatch,
    TargetStatus,
)

Rewrite = Callable[[str], str | None]


class OutboxStore(Protocol):
    """Forwarding state; the statement write adds the outbox rows (see StatementStore)."""

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

    async def dead_letter_counts(self) -> dict[tuple[str, str], int]:
        """Dead letters of every target that has any, keyed by (tenant, target name)."""
        ...

    async def rewrite_forward_secrets(self, rewrite: Rewrite) -> int:
        """Replace each stored target password or signing secret `s` by `rewrite(s)` unless that
        is None (secrets at rest); returns how many changed."""
        ...

"""Records of tenants, credentials' limits and erasures that cross the storage port."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TypeVar

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Limits:
    """Per-tenant or per-credential overrides; None means "inherit".

    Limits only narrow as they go down: a tenant's sizes never exceed the service's, and a
    credential's limits never exceed its tenant's. A `rate_per_second` of 0 means no quota.
    """

    rate_per_second: float | None = None
    burst: int | None = None
    max_batch_statements: int | None = None
    max_body_bytes: int | None = None

    def resolve(self, tenant: Limits, defaults: EffectiveLimits) -> EffectiveLimits:
        """The limits in force for a credential with these overrides under `tenant`'s."""
        return defaults.for_tenant(tenant).narrowed_by(self)


@dataclass(frozen=True, slots=True)
class EffectiveLimits:
    """The limits in force for one principal; `rate_per_second` 0 means no quota."""

    rate_per_second: float
    burst: int
    max_batch_statements: int
    max_body_bytes: int

    @property
    def has_quota(self) -> bool:
        return self.rate_per_second > 0

    def for_tenant(self, tenant: Limits) -> EffectiveLimits:
        """A tenant's limits in force under these, the service's.

        The operator chooses each tenant's rate quota, so it replaces the default; the service's
        sizes are ceilings that the tenant's overrides cannot lift.
        """
        return EffectiveLimits(
            rate_per_second=_or(tenant.rate_per_second, self.rate_per_second),
            burst=_or(tenant.burst, self.burst),
            max_batch_statements=_lowest(tenant.max_batch_statements, self.max_batch_statements),
            max_body_bytes=_lowest(tenant.max_body_bytes, self.max_body_bytes),
        )

    def narrowed_by(self, own: Limits) -> EffectiveLimits:
        """A credential's limits in force under these, its tenant's: an override only narrows.

        Under a tenant quota, "no quota" (0) and a larger rate or burst are no narrowing; under
        a tenant without one, any quota the credential sets is narrower.
        """
        rate, burst = self.rate_per_second, self.burst
        if own.rate_per_second is not None and own.rate_per_second > 0:
            rate = min(own.rate_per_second, rate) if self.has_quota else own.rate_per_second
        if own.burst is not None:
            burst = min(own.burst, burst) if self.has_quota else own.burst
        return EffectiveLimits(
            rate_per_second=rate,
            burst=burst,
            max_batch_statements=_lowest(own.max_batch_statements, self.max_batch_statements),
            max_body_bytes=_lowest(own.max_body_bytes, self.max_body_bytes),
        )


def _or(value: T | None, fallback: T) -> T:
    return value if value is not None else fallback


def _lowest(value: int | None, ceiling: int) -> int:
    return ceiling if value is None else min(value, ceiling)


@dataclass(frozen=True, slots=True)
class TenantRecord:
    """An isolated store inside the LRS; every other record names exactly one tenant."""

    name: str
    enabled: bool
    created_ms: int
    limits: Limits = field(default_factory=Limits)


@dataclass(frozen=True, slots=True)
class PreviousSecret:
    """A rotated-out secret still accepted until `until_ms` (rotation with overlap)."""

    secret_hash: str
    until_ms: int


@dataclass(frozen=True, slots=True)
class Rotation:
    """A new secret; the one it replaces stays valid as `previous` (None: stops at once)."""

    secret_hash: str
    previous: PreviousSecret | None


@dataclass(frozen=True, slots=True)
class CredentialRecord:
    """A client credential; only a hash of the secret is ever stored (AU-1)."""

    key: str
    tenant: str
    name: str
    secret_hash: str
    scopes: tuple[str, ...]
    enabled: bool
    created_ms: int
    last_used_ms: int | None = None
    limits: Limits = field(default_factory=Limits)  # overrides of the tenant's limits
    previous: PreviousSecret | None = None

    def previous_valid_at(self, ms: int) -> PreviousSecret | None:
        """The rotated-out secret if it is still accepted at `ms`."""
        if self.previous is not None and ms < self.previous.until_ms:
            return self.previous
        return None


@dataclass(frozen=True, slots=True)
class CredentialChanges:
    """Fields of a credential to change; None leaves a field as it is."""

    name: str | None = None
    enabled: bool | None = None
    scopes: tuple[str, ...] | None = None
    limits: Limits | None = None
    rotation: Rotation | None = None  # replaces the secret and the previous one together


@dataclass(frozen=True, slots=True)
class ErasureCounts:
    statements_deleted: int = 0
    statements_redacted: int = 0
    documents_deleted: int = 0
    attachments_deleted: int = 0
    outbox_deleted: int = 0
    agents_deleted: int = 0
    outcome_rows_deleted: int = 0  # evidence, attainments, roster entries and their history


@dataclass(frozen=True, slots=True)
class ErasureRecord:
    """Durable proof of an erasure; keeps a hash of the agent key, never the identifier."""

    id: int
    tenant: str
    agent_hash: str
    erased_by: str
    erased_ms: int
    counts: ErasureCounts
    # the ids of the statements the erasure deleted: on the record `erase_agent` answers only
    deleted_statement_ids: tuple[str, ...] = field(default=(), compare=False, repr=False)

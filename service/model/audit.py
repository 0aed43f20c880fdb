"""Records of the audit log: who did which administrative action, where, when, and how it ended."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class AuditEvent:
    """One administrative action as recorded; never a secret in `details`."""

    at_ms: int
    actor: str  # "credential:KEY (name)", "cli:USER", "sso:SUBJECT (name)"
    action: str  # e.g. "credential.rotate", "tenant.create"
    tenant: str | None
    target: str | None  # what the action was on: a key, a target id, an agent hash
    source: str | None  # the client address, or the host of the command line
    outcome: str  # "ok", or "refused (403): ..." / "failed: ..."
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """A stored event with its position in the log (ids only grow)."""

    id: int
    event: AuditEvent


@dataclass(frozen=True, slots=True)
class AuditQuery:
    """Filters of an audit listing, newest first; `before_id` pages back."""

    tenant: str | None = None
    actor: str | None = None  # the actor, or a prefix of it ending in ':' or a key
    action: str | None = None  # an action, or a prefix ending in '.' ("credential.")
    since_ms: int | None = None
    until_ms: int | None = None
    before_id: int | None = None
    limit: int = 100

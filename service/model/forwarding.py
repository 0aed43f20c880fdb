"""Forwarding targets, their outbox, and which accepted statements a target receives.

The filter predicate is shared by every store adapter: each applies it when it writes outbox rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from service.model.statements import NewStatement

TargetKind = Literal["xapi", "webhook"]


@dataclass(frozen=True, slots=True)
class TargetFilter:
    """Which statements a target receives; an empty tuple accepts everything."""

    verbs: tuple[str, ...] = ()
    activity_prefixes: tuple[str, ...] = ()
    credentials: tuple[str, ...] = ()  # credential keys (platforms) whose statements to send


@dataclass(frozen=True, slots=True)
class ForwardTarget:
    """A downstream xAPI endpoint (Basic auth) or webhook (optional HMAC signing secret)."""

    tenant: str
    name: str
    kind: TargetKind
    url: str
    filter: TargetFilter = field(default_factory=TargetFilter)
    username: str | None = None
    password: str | None = None  # xAPI Basic password, or the webhook signing secret
    xapi_version: str = "1.0.3"
    enabled: bool = True
    created_ms: int = 0
    id: int | None = None  # assigned by the store


@dataclass(frozen=True, slots=True)
class TargetStatus:
    """A target with its delivery state, as admins see it."""

    target: ForwardTarget
    pending: int
    dead: int
    delivered: int
    failures: int  # consecutive failed attempts; drives the back-off
    next_attempt_ms: int
    last_error: str | None
    last_delivered_ms: int | None


@dataclass(frozen=True, slots=True)
class OutboxItem:
    outbox_id: int
    statement_id: str
    attempts: int
    body: bytes
    uploaded: tuple[str, ...] | None  # as `statements.Uploaded`: the data that goes with it


@dataclass(frozen=True, slots=True)
class OutboxBatch:
    """The oldest pending statements of one target, leased to one sender."""

    target: ForwardTarget
    items: list[OutboxItem]
    failures: int = 0  # the target's consecutive failed attempts so far (drives the back-off)


@dataclass(frozen=True, slots=True)
class DeliveryOutcome:
    """What a sender reports back: the delivered prefix and, if any, the failure of the next."""

    delivered: list[int]  # outbox ids
    failed: int | None = None  # the outbox id whose delivery failed
    error: str | None = None
    retry_at_ms: int = 0
    max_attempts: int = 1


@dataclass(frozen=True, slots=True)
class DeadLetter:
    outbox_id: int
    target_id: int
    target_name: str
    statement_id: str
    attempts: int
    last_error: str | None
    created_ms: int


def matches(target_filter: TargetFilter, statement: dict[str, Any]) -> bool:
    """True when the statement passes every non-empty part of the filter.

    Verbs compare exactly; activity ids by prefix on an Activity object (StatementRef objects,
    such as voiding statements, always pass so downstreams learn of voids); credentials by the
    key in the statement's authority account, which the LRS set from the writing credential.
    """
    if target_filter.verbs and statement["verb"]["id"] not in target_filter.verbs:
        return False
    if target_filter.activity_prefixes:
        obj = statement["object"]
        object_type = obj.get("objectType", "Activity")
        if object_type == "Activity":
            if not obj["id"].startswith(target_filter.activity_prefixes):
                return False
        elif object_type != "StatementRef":
            return False
    if target_filter.credentials:
        account = (statement.get("authority") or {}).get("account") or {}
        if account.get("name") not in target_filter.credentials:
            return False
    return True


def accepted_by(
    targets: list[ForwardTarget], inserted: list[tuple[int, NewStatement]]
) -> list[tuple[ForwardTarget, int, NewStatement]]:
    """(target, seq, statement) for every newly stored statement each target's filter accepts.

    In `seq` order, so each target's outbox receives statements in the order they were stored.
    """
    return [
        (target, seq, new)
        for seq, new in inserted
        for target in targets
        if matches(target.filter, new.content())
    ]

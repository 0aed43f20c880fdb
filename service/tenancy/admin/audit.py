"""The audit trail of administrative actions: one function every front end records through.

The CLI, the admin API (and later the console and SSO sign-in) call `audited` around each
action: it appends who, what, which tenant, when, from where and how it ended, also when the
action is refused or fails. Details never hold a secret: callers pass names, ids and counts.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from service.model.audit import AuditEntry, AuditEvent, AuditQuery
from service.model.clock import now_ms
from service.model.errors import BadRequestError, LRSError
from service.ops.logging import log_event
from service.tenancy.admin.actor import AdminActor
from service.xapi.datatypes import parse_timestamp
from service.xapi.versions import V2_0_0

log = logging.getLogger("service.audit")
MAX_LIMIT = 1000
_MESSAGE_CHARS = 300


@dataclass(slots=True)
class AuditNote:
    """What an action learns while it runs: its tenant and target, details worth keeping."""

    tenant: str | None = None
    target: str | None = None
    details: dict[str, Any] = field(default_factory=dict)


@asynccontextmanager
async def audited(
    actor: AdminActor,
    action: str,
    *,
    tenant: str | None = None,
    target: str | None = None,
    **details: Any,
) -> AsyncIterator[AuditNote]:
    """Record the action in the audit log when the block ends, with its outcome."""
    note = AuditNote(tenant=tenant, target=target, details=dict(details))
    outcome = "ok"
    try:
        yield note
    except LRSError as exc:
        outcome = f"refused ({exc.status}): {str(exc)[:_MESSAGE_CHARS]}"
        raise
    except BaseException as exc:
        outcome = f"failed: {type(exc).__name__}"
        raise
    finally:
        event = AuditEvent(
            at_ms=now_ms(),
            actor=actor.name,
            action=action,
            tenant=note.tenant,
            target=note.target,
            source=actor.source,
            outcome=outcome,
            details=note.details,
        )
        await _append(actor, event)


async def _append(actor: AdminActor, event: AuditEvent) -> None:
    """Store the event; a store that cannot take it is logged loudly (the action stands)."""
    if actor.audit is None:
        return
    try:
        await actor.audit.append_audit(event)
    except Exception as exc:
        log_event(
            log,
            "audit.append_failed",
            level=logging.ERROR,
            action=event.action,
            actor=event.actor,
            tenant=event.tenant,
            outcome=event.outcome,
            error=repr(exc),
        )


async def list_audit(actor: AdminActor, query: AuditQuery) -> list[AuditEntry]:
    """Operators read every tenant's events; a tenant admin only their own tenant's."""
    if actor.audit is None:
        return []
    if actor.tenant is not None:
        actor.check_tenant(query.tenant or actor.tenant)
        query = AuditQuery(
            tenant=actor.tenant,
            actor=query.actor,
            action=query.action,
            since_ms=query.since_ms,
            until_ms=query.until_ms,
            before_id=query.before_id,
            limit=query.limit,
        )
    return await actor.audit.list_audit(query)


def parse_audit_query(params: Mapping[str, str | None]) -> AuditQuery:
    """Filters from query parameters or CLI flags; 400 naming a malformed one."""
    return AuditQuery(
        tenant=params.get("tenant") or None,
        actor=params.get("actor") or None,
        action=params.get("action") or None,
        since_ms=_instant(params, "since"),
        until_ms=_instant(params, "until"),
        before_id=_count(params, "before", 2**63 - 1),
        limit=_count(params, "limit", MAX_LIMIT) or 100,
    )


def _instant(params: Mapping[str, str | None], name: str) -> int | None:
    value = params.get(name)
    if not value:
        return None
    try:
        moment = parse_timestamp(value, V2_0_0)
    except ValueError:
        raise BadRequestError(f"{name} must be an ISO 8601 timestamp with a time zone") from None
    return int(moment.timestamp() * 1000)


def _count(params: Mapping[str, str | None], name: str, ceiling: int) -> int | None:
    value = params.get(name)
    if not value:
        return None
    if not (value.isascii() and value.isdigit()) or int(value) > ceiling:
        raise BadRequestError(f"{name} must be an integer from 0 to {ceiling}")
    return int(value)


def audit_json(entry: AuditEntry) -> dict[str, Any]:
    event = entry.event
    return {
        "id": entry.id,
        "at_ms": event.at_ms,
        "actor": event.actor,
        "action": event.action,
        "tenant": event.tenant,
        "target": event.target,
        "source": event.source,
        "outcome": event.outcome,
        "details": event.details,
    }

"""Forwarding administration: targets, their state, dead letters (issue 5)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from schemas.admin import TargetIn
from service.forwarding.addresses import AddressPolicy, RefusedAddressError
from service.model.clock import now_ms
from service.model.errors import BadRequestError, NotFoundError
from service.model.forwarding import DeadLetter, ForwardTarget, TargetFilter, TargetStatus
from service.store.ports import AccountStore, OutboxStore
from service.tenancy.admin.actor import AdminActor
from service.tenancy.admin.audit import audited
from service.xapi.datatypes import is_iri


async def add_target(
    accounts: AccountStore,
    store: OutboxStore,
    actor: AdminActor,
    tenant: str,
    body: TargetIn,
    policy: AddressPolicy,
) -> TargetStatus:
    """A new target; statements stored from now on are forwarded, older ones are not."""
    details = {"name": body.name, "kind": body.kind, "url": _without_password(str(body.url))}
    async with audited(actor, "forwarding.add", tenant=tenant, **details) as note:
        added = await _add_target(accounts, store, actor, tenant, body, policy)
        note.target = str(added.target.id)
    return added


def _without_password(url: str) -> str:
    """The URL as the audit log may keep it: a password put there by mistake is cut out."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rpartition("@")[2]
    return parts._replace(netloc=f"{parts.username}:***@{host}").geturl()


async def _add_target(
    accounts: AccountStore,
    store: OutboxStore,
    actor: AdminActor,
    tenant: str,
    body: TargetIn,
    policy: AddressPolicy,
) -> TargetStatus:
    actor.check_tenant(tenant)
    if await accounts.get_tenant(tenant) is None:
        raise NotFoundError(f"no tenant named {tenant!r}")
    bad_verbs = [verb for verb in body.filter.verbs if not is_iri(verb)]
    if bad_verbs:
        raise BadRequestError(f"filter.verbs: {bad_verbs[0]!r} is not an IRI")
    for key in body.filter.credentials:
        record = await accounts.get_credential(key)
        if record is None or record.tenant != tenant:
            raise BadRequestError(f"filter.credentials: no credential {key!r} in this tenant")
    if urlsplit(str(body.url)).password is not None:  # it would show in listings and logs
        raise BadRequestError("put the target's credentials in username/password, not the URL")
    if body.kind == "webhook" and (body.username or body.password):
        raise BadRequestError("webhook targets take a signing 'secret', not username/password")
    if body.kind == "xapi" and body.secret:
        raise BadRequestError("xAPI targets take username/password, not a signing 'secret'")
    try:
        await policy.check_url(str(body.url))
    except RefusedAddressError as exc:
        raise BadRequestError(f"url: {exc}") from exc
    target = ForwardTarget(
        tenant=tenant,
        name=body.name.strip(),
        kind=body.kind,
        url=str(body.url),
        filter=TargetFilter(
            verbs=tuple(body.filter.verbs),
            activity_prefixes=tuple(body.filter.activity_prefixes),
            credentials=tuple(body.filter.credentials),
        ),
        username=body.username,
        password=body.secret if body.kind == "webhook" else body.password,
        xapi_version=body.xapi_version,
        enabled=body.enabled,
        created_ms=now_ms(),
    )
    added = await store.add_forward_target(target)
    return next(s for s in await store.list_forward_targets(tenant) if s.target.id == added.id)


async def list_targets(store: OutboxStore, actor: AdminActor, tenant: str) -> list[TargetStatus]:
    actor.check_tenant(tenant)
    return await store.list_forward_targets(tenant)


async def set_target_enabled(
    store: OutboxStore, actor: AdminActor, tenant: str, target_id: int, enabled: bool
) -> TargetStatus:
    action = "forwarding.enable" if enabled else "forwarding.disable"
    async with audited(actor, action, tenant=tenant, target=str(target_id)):
        actor.check_tenant(tenant)
        return await store.set_forward_target_enabled(tenant, target_id, enabled)


async def delete_target(store: OutboxStore, actor: AdminActor, tenant: str, target_id: int) -> None:
    async with audited(actor, "forwarding.delete", tenant=tenant, target=str(target_id)):
        actor.check_tenant(tenant)
        await store.delete_forward_target(tenant, target_id)


async def dead_letters(
    store: OutboxStore, actor: AdminActor, tenant: str, target_id: int | None, limit: int = 100
) -> list[DeadLetter]:
    actor.check_tenant(tenant)
    return await store.list_dead_letters(tenant, target_id, limit=limit)


async def requeue(store: OutboxStore, actor: AdminActor, tenant: str, target_id: int | None) -> int:
    target = None if target_id is None else str(target_id)
    async with audited(actor, "dead_letters.requeue", tenant=tenant, target=target) as note:
        actor.check_tenant(tenant)
        count = await store.requeue_dead_letters(tenant, target_id)
        note.details["requeued"] = count
    return count


def target_json(status: TargetStatus) -> dict[str, Any]:
    """A target as admins see it; the password or signing secret is never shown."""
    target = status.target
    return {
        "id": target.id,
        "tenant": target.tenant,
        "name": target.name,
        "kind": target.kind,
        "url": target.url,
        "username": target.username,
        "has_secret": bool(target.password),
        "xapi_version": target.xapi_version,
        "filter": {
            "verbs": list(target.filter.verbs),
            "activity_prefixes": list(target.filter.activity_prefixes),
            "credentials": list(target.filter.credentials),
        },
        "enabled": target.enabled,
        "pending": status.pending,
        "dead": status.dead,
        "delivered": status.delivered,
        "failures": status.failures,
        "next_attempt_ms": status.next_attempt_ms,
        "last_error": status.last_error,
        "last_delivered_ms": status.last_delivered_ms,
    }


def dead_letter_json(letter: DeadLetter) -> dict[str, Any]:
    return {
        "outbox_id": letter.outbox_id,
        "target_id": letter.target_id,
        "target": letter.target_name,
        "statement_id": letter.statement_id,
        "attempts": letter.attempts,
        "last_error": letter.last_error,
        "created_ms": letter.created_ms,
    }

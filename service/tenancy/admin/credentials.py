"""Credential administration: create, list, change, disable, rotate (issue 5)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any

from schemas.admin import CredentialIn, CredentialPatch
from service.model.clock import now_ms
from service.model.errors import BadRequestError, ConflictError, NotFoundError
from service.model.tenancy import (
    CredentialChanges,
    CredentialRecord,
    EffectiveLimits,
    Limits,
    PreviousSecret,
    Rotation,
)
from service.store.ports import AccountStore
from service.tenancy.admin.actor import AdminActor
from service.tenancy.admin.audit import audited
from service.tenancy.admin.limits import check_credential_limits, limits_json, patch_limits
from service.tenancy.auth import IssuedCredential, hash_secret, new_credential, new_secret
from service.tenancy.scopes import parse_scopes


@dataclass(frozen=True, slots=True)
class Secret:
    """A new secret for an existing key, shown once."""

    key: str
    secret: str
    record: CredentialRecord


async def create_credential(
    store: AccountStore, actor: AdminActor, body: CredentialIn, defaults: EffectiveLimits
) -> IssuedCredential:
    """A new credential in an existing, enabled tenant; the secret is returned once.

    Its limits may narrow the tenant's in force (under the service `defaults`), never lift them.
    """
    tenant = body.tenant or actor.tenant or "default"
    async with audited(
        actor, "credential.create", tenant=tenant, name=body.name, scopes=body.scopes
    ) as note:
        actor.check_tenant(tenant)
        found = await store.get_tenant(tenant)
        if found is None:
            raise NotFoundError(f"no tenant named {tenant!r} (create it first)")
        if not found.enabled:
            raise BadRequestError(f"the tenant {tenant!r} is disabled")
        scopes = _grantable(actor, body.scopes)
        check_credential_limits(body.limits, defaults.for_tenant(found.limits), tenant)
        name = await _unique_name(store, tenant, body.name.strip())
        issued = new_credential(name=name, tenant=tenant, scopes=scopes)
        record = replace(issued.record, limits=patch_limits(Limits(), body.limits))
        issued = IssuedCredential(issued.key, issued.secret, record)
        await store.add_credential(issued.record)
        note.target = issued.key
    return issued


async def list_credentials(
    store: AccountStore, actor: AdminActor, tenant: str | None = None
) -> list[CredentialRecord]:
    tenant = tenant or actor.tenant
    if tenant is not None:
        actor.check_tenant(tenant)
    return await store.list_credentials(tenant)


async def get_credential(store: AccountStore, actor: AdminActor, key: str) -> CredentialRecord:
    """The credential if the actor may see it; 404 otherwise (other tenants' keys do not leak)."""
    record = await store.get_credential(key)
    if record is None or (actor.tenant is not None and record.tenant != actor.tenant):
        raise NotFoundError(f"no credential with key {key!r}")
    return record


async def update_credential(
    store: AccountStore,
    actor: AdminActor,
    key: str,
    patch: CredentialPatch,
    defaults: EffectiveLimits,
) -> CredentialRecord:
    """Rename, enable/disable, change scopes or narrow limits; effective at once in this process."""
    given = patch.model_dump(mode="json", exclude_unset=True)
    async with audited(actor, "credential.update", target=key, **given) as note:
        current = await get_credential(store, actor, key)
        note.tenant = current.tenant
        if patch.limits is not None:
            tenant = await store.get_tenant(current.tenant)
            tenant_limits = tenant.limits if tenant is not None else Limits()
            in_force = defaults.for_tenant(tenant_limits)
            check_credential_limits(patch.limits, in_force, current.tenant)
        name = patch.name.strip() if patch.name is not None else None
        if name is not None and name != current.name:
            await _unique_name(store, current.tenant, name)
        changes = CredentialChanges(
            name=name,
            enabled=patch.enabled,
            scopes=_grantable(actor, patch.scopes) if patch.scopes is not None else None,
            limits=patch_limits(current.limits, patch.limits) if patch.limits is not None else None,
        )
        updated = await store.update_credential(key, changes)
    actor.on_change(key, None)
    return updated


async def set_enabled(
    store: AccountStore, actor: AdminActor, key: str, enabled: bool
) -> CredentialRecord:
    action = "credential.enable" if enabled else "credential.disable"
    async with audited(actor, action, target=key) as note:
        note.tenant = (await get_credential(store, actor, key)).tenant
        updated = await store.update_credential(key, CredentialChanges(enabled=enabled))
    actor.on_change(key, None)
    return updated


async def rotate_secret(
    store: AccountStore, actor: AdminActor, key: str, overlap_seconds: int = 0
) -> Secret:
    """A new secret for the same key (statements keep their authority).

    The old secret stops at once, or with an overlap stays valid that many seconds more, so
    platforms can move to the new one; a rotation during an overlap ends the older one.
    """
    async with audited(
        actor, "credential.rotate", target=key, overlap_seconds=overlap_seconds
    ) as note:
        current = await get_credential(store, actor, key)
        note.tenant = current.tenant
        secret = new_secret()
        previous = None
        if overlap_seconds > 0:
            previous = PreviousSecret(current.secret_hash, now_ms() + overlap_seconds * 1000)
        changes = CredentialChanges(rotation=Rotation(hash_secret(secret), previous))
        updated = await store.update_credential(key, changes)
    actor.on_change(key, None)
    return Secret(key=key, secret=secret, record=updated)


async def delete_credential(store: AccountStore, actor: AdminActor, key: str) -> None:
    """Remove a credential; statements it wrote keep it as their authority. The last enabled
    operator credential stays (409), so the admin API is never locked out."""
    async with audited(actor, "credential.delete", target=key) as note:
        record = await get_credential(store, actor, key)
        note.tenant = record.tenant
        note.details = {"name": record.name}
        if "operator" in record.scopes and record.enabled:
            others = [
                c
                for c in await store.list_credentials()
                if c.key != key and c.enabled and "operator" in c.scopes
            ]
            if not others:
                raise ConflictError("this is the last enabled operator credential: create another")
        await store.delete_credential(key)
    actor.on_change(key, None)


def credential_json(
    record: CredentialRecord, in_force: EffectiveLimits | None = None
) -> dict[str, Any]:
    """A credential as admins see it: never the secret or its hash."""
    out: dict[str, Any] = {
        "key": record.key,
        "tenant": record.tenant,
        "name": record.name,
        "scopes": list(record.scopes),
        "enabled": record.enabled,
        "created_ms": record.created_ms,
        "last_used_ms": record.last_used_ms,
        "limits": limits_json(record.limits),
        "previous_secret_until_ms": _overlap_end(record),
    }
    if in_force is not None:
        out["limits_in_force"] = asdict(in_force)
    return out


async def _unique_name(store: AccountStore, tenant: str, name: str) -> str:
    """The name, unless another credential of the tenant has it (409): names tell people
    which platform a key belongs to, so two must not share one."""
    if any(record.name == name for record in await store.list_credentials(tenant)):
        raise ConflictError(f"the tenant {tenant!r} already has a credential named {name!r}")
    return name


def _overlap_end(record: CredentialRecord) -> int | None:
    """When the rotated-out secret stops being accepted; None when none is."""
    previous = record.previous_valid_at(now_ms())
    return None if previous is None else previous.until_ms


def _grantable(actor: AdminActor, scopes: list[str]) -> tuple[str, ...]:
    """Known scopes only; `operator` only from an operator."""
    parsed = parse_scopes(scopes)
    if "operator" in parsed and not actor.is_operator:
        raise BadRequestError("only an operator may grant the 'operator' scope")
    return parsed


async def limits_in_force(
    store: AccountStore, records: list[CredentialRecord], defaults: EffectiveLimits
) -> dict[str, EffectiveLimits]:
    """The limits each credential runs under: its overrides, its tenant's, the defaults."""
    tenants = {t.name: t.limits for t in await store.list_tenants()}
    return {r.key: r.limits.resolve(tenants.get(r.tenant, Limits()), defaults) for r in records}

"""Tenant administration: create, list, enable/disable, limits (issue 5)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from schemas.admin import TenantIn, TenantPatch
from service.model.clock import now_ms
from service.model.errors import BadRequestError, NotFoundError
from service.model.tenancy import EffectiveLimits, Limits, TenantRecord
from service.store.ports import AccountStore, ErasureStore
from service.tenancy.admin.actor import AdminActor, check_tenant_name
from service.tenancy.admin.audit import audited
from service.tenancy.admin.limits import check_tenant_limits, limits_json, patch_limits
from service.tenancy.auth import DEFAULT_TENANT


async def create_tenant(
    store: AccountStore, actor: AdminActor, body: TenantIn, service: EffectiveLimits
) -> TenantRecord:
    """A new, enabled tenant; 409 when the name is taken, 400 when a size exceeds `service`'s."""
    given = body.model_dump(mode="json", exclude_unset=True)
    async with audited(actor, "tenant.create", tenant=body.name, **given):
        actor.check_operator("creating a tenant")
        name = check_tenant_name(body.name)
        check_tenant_limits(body.limits, service)
        limits = patch_limits(Limits(), body.limits)
        record = TenantRecord(name=name, enabled=True, created_ms=now_ms(), limits=limits)
        await store.add_tenant(record)
    return record


async def list_tenants(store: AccountStore, actor: AdminActor) -> list[TenantRecord]:
    """Every tenant for an operator; a tenant admin sees only their own."""
    tenants = await store.list_tenants()
    return [t for t in tenants if actor.tenant is None or t.name == actor.tenant]


async def get_tenant(store: AccountStore, actor: AdminActor, name: str) -> TenantRecord:
    actor.check_tenant(name)
    record = await store.get_tenant(name)
    if record is None:
        raise NotFoundError(f"no tenant named {name!r}")
    return record


async def update_tenant(
    store: AccountStore, actor: AdminActor, name: str, patch: TenantPatch, service: EffectiveLimits
) -> TenantRecord:
    """Enable/disable or change limit overrides (operator only); effective at once here."""
    given = patch.model_dump(mode="json", exclude_unset=True)
    async with audited(actor, "tenant.update", tenant=name, **given):
        actor.check_operator("changing a tenant")
        current = await get_tenant(store, actor, name)
        check_tenant_limits(patch.limits, service)
        limits = patch_limits(current.limits, patch.limits) if patch.limits is not None else None
        updated = await store.update_tenant(name, enabled=patch.enabled, limits=limits)
    actor.on_change(None, name)
    return updated


async def delete_tenant(
    store: AccountStore, erasure: ErasureStore, actor: AdminActor, name: str, confirm: str | None
) -> dict[str, int]:
    """Delete a tenant with all its data (operator only), once `confirm` repeats its name.

    Its credentials stop at once in this process; the audit log and erasure records stay.
    """
    async with audited(actor, "tenant.delete", tenant=name) as note:
        actor.check_operator("deleting a tenant")
        if name == DEFAULT_TENANT:
            raise BadRequestError("the default tenant cannot be deleted")
        await get_tenant(store, actor, name)
        if confirm != name:
            raise BadRequestError(
                f"deleting a tenant deletes all its data: confirm with its name ({name!r})"
            )
        counts = await erasure.erase_tenant(name)
        note.details = {"deleted": counts}
    actor.on_change(None, name)
    return counts


def tenant_json(record: TenantRecord, defaults: EffectiveLimits | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "name": record.name,
        "enabled": record.enabled,
        "created_ms": record.created_ms,
        "limits": limits_json(record.limits),
    }
    if defaults is not None:
        out["limits_in_force"] = asdict(defaults.for_tenant(record.limits))
    return out

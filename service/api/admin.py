"""The admin API under /admin (outside the xAPI base path): tenants and credentials, JSON in/out.

Needs the `admin` scope (own tenant) or `operator` (every tenant); see service.tenancy.admin.
Callers sign in with a Basic credential, or, without one, with the console's session cookie
(a person signed in with a credential or through single sign-on; see api.console_session).
"""

from __future__ import annotations

from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, Request, Response

from schemas.admin import CredentialIn, CredentialPatch, RotateIn, TenantIn, TenantPatch
from service.api.bodies import read_limited
from service.api.console_session import api_session
from service.api.declared import json_body, operation
from service.api.deps import (
    AccessChangeDep,
    AccountsDep,
    AuditDep,
    ErasureDep,
    SettingsDep,
    client_address,
    get_principal,
)
from service.settings import Settings
from service.store.ports import AccountStore
from service.tenancy.admin import credentials, tenants
from service.tenancy.admin.actor import AdminActor, principal_actor
from service.tenancy.admin.inputs import parse_body
from service.tenancy.rotation import parse_overlap
from service.tenancy.services import default_limits
from service.xapi.statement_params import Param

router = APIRouter(prefix="/admin", tags=["admin"])
ADMIN_BODY_LIMIT = 64 * 1024


async def get_actor(request: Request, on_change: AccessChangeDep, audit: AuditDep) -> AdminActor:
    """The caller as an admin actor; 403 without `admin`/`operator`. Credential or tenant
    changes take effect at once in this process; every action is audited."""
    principal = None
    if "authorization" not in request.headers:
        session = await api_session(request)
        principal = None if session is None else session.principal
    if principal is None:
        principal = await get_principal(request)
    return principal_actor(principal, on_change, audit, client_address(request))


ActorDep = Annotated[AdminActor, Depends(get_actor)]


def json_response(data: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(data), status_code=status, media_type="application/json")


async def read_body(request: Request) -> bytes:
    return await read_limited(request.receive, ADMIN_BODY_LIMIT)


@router.get("/tenants")
async def list_tenants(store: AccountsDep, settings: SettingsDep, actor: ActorDep) -> Response:
    found = await tenants.list_tenants(store, actor)
    defaults = default_limits(settings)
    return json_response({"tenants": [tenants.tenant_json(t, defaults) for t in found]})


@router.post("/tenants", openapi_extra=operation(body=json_body(TenantIn)))
async def post_tenant(
    request: Request, store: AccountsDep, settings: SettingsDep, actor: ActorDep
) -> Response:
    body = parse_body(TenantIn, await read_body(request))
    defaults = default_limits(settings)
    record = await tenants.create_tenant(store, actor, body, defaults)
    return json_response(tenants.tenant_json(record, defaults), 201)


@router.get("/tenants/{name}")
async def get_tenant(
    name: str, store: AccountsDep, settings: SettingsDep, actor: ActorDep
) -> Response:
    record = await tenants.get_tenant(store, actor, name)
    return json_response(tenants.tenant_json(record, default_limits(settings)))


@router.patch("/tenants/{name}", openapi_extra=operation(body=json_body(TenantPatch)))
async def patch_tenant(
    name: str, request: Request, store: AccountsDep, settings: SettingsDep, actor: ActorDep
) -> Response:
    body = parse_body(TenantPatch, await read_body(request))
    defaults = default_limits(settings)
    record = await tenants.update_tenant(store, actor, name, body, defaults)
    return json_response(tenants.tenant_json(record, defaults))


CONFIRM = Param("confirm", "The tenant's name again: its data is deleted for good", required=True)


@router.delete("/tenants/{name}", openapi_extra=operation([CONFIRM]))
async def delete_tenant(
    name: str, request: Request, store: AccountsDep, erasure: ErasureDep, actor: ActorDep
) -> Response:
    """Delete a tenant and all its data (operator); answers what was deleted."""
    confirm = request.query_params.get(CONFIRM.name)
    counts = await tenants.delete_tenant(store, erasure, actor, name, confirm)
    return json_response({"tenant": name, "deleted": counts})


TENANT_FILTER = Param("tenant", "Only this tenant's credentials (operators)")


@router.get("/credentials", openapi_extra=operation([TENANT_FILTER]))
async def list_credentials(
    request: Request, store: AccountsDep, settings: SettingsDep, actor: ActorDep
) -> Response:
    tenant = request.query_params.get(TENANT_FILTER.name)
    records = await credentials.list_credentials(store, actor, tenant)
    return json_response({"credentials": await _credential_views(store, settings, records)})


@router.post("/credentials", openapi_extra=operation(body=json_body(CredentialIn)))
async def post_credential(
    request: Request, store: AccountsDep, settings: SettingsDep, actor: ActorDep
) -> Response:
    body = parse_body(CredentialIn, await read_body(request))
    defaults = default_limits(settings)
    issued = await credentials.create_credential(store, actor, body, defaults)
    view = (await _credential_views(store, settings, [issued.record]))[0]
    return json_response({**view, "secret": issued.secret}, 201)


@router.get("/credentials/{key}")
async def get_credential(
    key: str, store: AccountsDep, settings: SettingsDep, actor: ActorDep
) -> Response:
    record = await credentials.get_credential(store, actor, key)
    return json_response((await _credential_views(store, settings, [record]))[0])


@router.patch("/credentials/{key}", openapi_extra=operation(body=json_body(CredentialPatch)))
async def patch_credential(
    key: str, request: Request, store: AccountsDep, settings: SettingsDep, actor: ActorDep
) -> Response:
    body = parse_body(CredentialPatch, await read_body(request))
    defaults = default_limits(settings)
    record = await credentials.update_credential(store, actor, key, body, defaults)
    return json_response((await _credential_views(store, settings, [record]))[0])


@router.delete("/credentials/{key}", status_code=204)
async def delete_credential(key: str, store: AccountsDep, actor: ActorDep) -> Response:
    """Remove a credential; its statements keep their authority."""
    await credentials.delete_credential(store, actor, key)
    return Response(status_code=204)


@router.post("/credentials/{key}/disable")
async def disable_credential(
    key: str, store: AccountsDep, settings: SettingsDep, actor: ActorDep
) -> Response:
    record = await credentials.set_enabled(store, actor, key, False)
    return json_response((await _credential_views(store, settings, [record]))[0])


@router.post("/credentials/{key}/enable")
async def enable_credential(
    key: str, store: AccountsDep, settings: SettingsDep, actor: ActorDep
) -> Response:
    record = await credentials.set_enabled(store, actor, key, True)
    return json_response((await _credential_views(store, settings, [record]))[0])


@router.post("/credentials/{key}/rotate", openapi_extra=operation(body=json_body(RotateIn)))
async def rotate_credential(
    key: str, request: Request, store: AccountsDep, settings: SettingsDep, actor: ActorDep
) -> Response:
    """A new secret, shown once; the old one stops at once, or after `overlap` ("7d")."""
    body = parse_body(RotateIn, await read_body(request))
    overlap = parse_overlap(body.overlap)
    rotated = await credentials.rotate_secret(store, actor, key, overlap)
    view = (await _credential_views(store, settings, [rotated.record]))[0]
    return json_response({**view, "secret": rotated.secret})


async def _credential_views(
    store: AccountStore, settings: Settings, records: list[Any]
) -> list[dict[str, Any]]:
    defaults = default_limits(settings)
    in_force = await credentials.limits_in_force(store, records, defaults)
    return [credentials.credential_json(r, in_force[r.key]) for r in records]

"""The admin API under /admin (outside the xAPI base path): tenants and credentials, JSON in/out.

Needs the `admin` scope (own tenant) or `operator` (every tenant); see service.tenancy.admin.
"""

from __future__ import annotations

from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, Request, Response

from schemas.admin import CredentialIn, CredentialPatch, TenantIn, TenantPatch
from service.api.bodies import read_limited
from service.api.deps import PrincipalDep, RuntimeDep
from service.runtime import Runtime
from service.tenancy.admin import credentials, tenants
from service.tenancy.admin.actor import AdminActor, principal_actor
from service.tenancy.admin.inputs import parse_body
from service.tenancy.services import default_limits

router = APIRouter(prefix="/admin", tags=["admin"])
ADMIN_BODY_LIMIT = 64 * 1024


def get_actor(runtime: RuntimeDep, principal: PrincipalDep) -> AdminActor:
    """The caller as an admin actor; 403 without `admin`/`operator`."""

    def on_change(key: str | None, tenant: str | None) -> None:
        """Credential or tenant changes take effect at once in this process."""
        runtime.authenticator.forget(key, tenant=tenant)
        if key is not None:
            runtime.tenancy.limiter.forget(key)

    return principal_actor(principal, on_change)


ActorDep = Annotated[AdminActor, Depends(get_actor)]


def json_response(data: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(data), status_code=status, media_type="application/json")


async def read_body(request: Request) -> bytes:
    return await read_limited(request.receive, ADMIN_BODY_LIMIT)


@router.get("/tenants")
async def list_tenants(runtime: RuntimeDep, actor: ActorDep) -> Response:
    found = await tenants.list_tenants(runtime.store, actor)
    defaults = default_limits(runtime.settings)
    return json_response({"tenants": [tenants.tenant_json(t, defaults) for t in found]})


@router.post("/tenants")
async def post_tenant(request: Request, runtime: RuntimeDep, actor: ActorDep) -> Response:
    body = parse_body(TenantIn, await read_body(request))
    defaults = default_limits(runtime.settings)
    record = await tenants.create_tenant(runtime.store, actor, body, defaults)
    return json_response(tenants.tenant_json(record, defaults), 201)


@router.get("/tenants/{name}")
async def get_tenant(name: str, runtime: RuntimeDep, actor: ActorDep) -> Response:
    record = await tenants.get_tenant(runtime.store, actor, name)
    return json_response(tenants.tenant_json(record, default_limits(runtime.settings)))


@router.patch("/tenants/{name}")
async def patch_tenant(
    name: str, request: Request, runtime: RuntimeDep, actor: ActorDep
) -> Response:
    body = parse_body(TenantPatch, await read_body(request))
    defaults = default_limits(runtime.settings)
    record = await tenants.update_tenant(runtime.store, actor, name, body, defaults)
    return json_response(tenants.tenant_json(record, defaults))


@router.get("/credentials")
async def list_credentials(request: Request, runtime: RuntimeDep, actor: ActorDep) -> Response:
    tenant = request.query_params.get("tenant")
    records = await credentials.list_credentials(runtime.store, actor, tenant)
    return json_response({"credentials": await _credential_views(runtime, records)})


@router.post("/credentials")
async def post_credential(request: Request, runtime: RuntimeDep, actor: ActorDep) -> Response:
    body = parse_body(CredentialIn, await read_body(request))
    defaults = default_limits(runtime.settings)
    issued = await credentials.create_credential(runtime.store, actor, body, defaults)
    view = (await _credential_views(runtime, [issued.record]))[0]
    return json_response({**view, "secret": issued.secret}, 201)


@router.get("/credentials/{key}")
async def get_credential(key: str, runtime: RuntimeDep, actor: ActorDep) -> Response:
    record = await credentials.get_credential(runtime.store, actor, key)
    return json_response((await _credential_views(runtime, [record]))[0])


@router.patch("/credentials/{key}")
async def patch_credential(
    key: str, request: Request, runtime: RuntimeDep, actor: ActorDep
) -> Response:
    body = parse_body(CredentialPatch, await read_body(request))
    defaults = default_limits(runtime.settings)
    record = await credentials.update_credential(runtime.store, actor, key, body, defaults)
    return json_response((await _credential_views(runtime, [record]))[0])


@router.post("/credentials/{key}/disable")
async def disable_credential(key: str, runtime: RuntimeDep, actor: ActorDep) -> Response:
    record = await credentials.set_enabled(runtime.store, actor, key, False)
    return json_response((await _credential_views(runtime, [record]))[0])


@router.post("/credentials/{key}/enable")
async def enable_credential(key: str, runtime: RuntimeDep, actor: ActorDep) -> Response:
    record = await credentials.set_enabled(runtime.store, actor, key, True)
    return json_response((await _credential_views(runtime, [record]))[0])


@router.post("/credentials/{key}/rotate")
async def rotate_credential(key: str, runtime: RuntimeDep, actor: ActorDep) -> Response:
    """A new secret, shown once; the old secret stops working at once."""
    rotated = await credentials.rotate_secret(runtime.store, actor, key)
    view = (await _credential_views(runtime, [rotated.record]))[0]
    return json_response({**view, "secret": rotated.secret})


async def _credential_views(runtime: Runtime, records: list[Any]) -> list[dict[str, Any]]:
    defaults = default_limits(runtime.settings)
    in_force = await credentials.limits_in_force(runtime.store, records, defaults)
    return [credentials.credential_json(r, in_force[r.key]) for r in records]

"""Admin API of one tenant's forwarding, dead letters and erasures (/admin/tenants/{tenant}/...)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request, Response

from schemas.admin import ErasureIn, RequeueIn, TargetIn, TargetPatch
from service.api.admin import ActorDep, json_response, read_body
from service.api.deps import RuntimeDep
from service.forwarding.addresses import AddressPolicy
from service.model.errors import BadRequestError
from service.tenancy.admin import erasure, forwarding
from service.tenancy.admin.inputs import parse_body

router = APIRouter(prefix="/admin/tenants/{tenant}", tags=["admin"])
ROW_ID_LIMIT = 2**63
"""Stores bind ids as signed 64-bit integers; a larger one is a bad request, not a store error."""
TargetId = Annotated[int, Path(ge=0, lt=ROW_ID_LIMIT)]


@router.get("/forwarding")
async def list_targets(tenant: str, runtime: RuntimeDep, actor: ActorDep) -> Response:
    found = await forwarding.list_targets(runtime.store, actor, tenant)
    return json_response({"targets": [forwarding.target_json(t) for t in found]})


@router.post("/forwarding")
async def post_target(
    tenant: str, request: Request, runtime: RuntimeDep, actor: ActorDep
) -> Response:
    body = parse_body(TargetIn, await read_body(request))
    policy = AddressPolicy.from_setting(runtime.settings.forward_allowed_networks)
    status = await forwarding.add_target(runtime.store, actor, tenant, body, policy)
    return json_response(forwarding.target_json(status), 201)


@router.patch("/forwarding/{target_id}")
async def patch_target(
    tenant: str, target_id: TargetId, request: Request, runtime: RuntimeDep, actor: ActorDep
) -> Response:
    body = parse_body(TargetPatch, await read_body(request))
    status = await forwarding.set_target_enabled(
        runtime.store, actor, tenant, target_id, body.enabled
    )
    return json_response(forwarding.target_json(status))


@router.delete("/forwarding/{target_id}", status_code=204)
async def delete_target(
    tenant: str, target_id: TargetId, runtime: RuntimeDep, actor: ActorDep
) -> Response:
    await forwarding.delete_target(runtime.store, actor, tenant, target_id)
    return Response(status_code=204)


@router.get("/dead-letters")
async def list_dead_letters(
    tenant: str, request: Request, runtime: RuntimeDep, actor: ActorDep
) -> Response:
    target_id = _int_param(request, "target_id")
    limit = _int_param(request, "limit") or 100
    found = await forwarding.dead_letters(runtime.store, actor, tenant, target_id, limit)
    return json_response({"dead_letters": [forwarding.dead_letter_json(d) for d in found]})


@router.post("/dead-letters/requeue")
async def requeue_dead_letters(
    tenant: str, request: Request, runtime: RuntimeDep, actor: ActorDep
) -> Response:
    body = parse_body(RequeueIn, await read_body(request))
    count = await forwarding.requeue(runtime.store, actor, tenant, body.target_id)
    return json_response({"requeued": count})


@router.post("/erasures")
async def post_erasure(
    tenant: str, request: Request, runtime: RuntimeDep, actor: ActorDep
) -> Response:
    """Erase one agent (body: {"agent": {...}}); answers the durable erasure record."""
    body = parse_body(ErasureIn, await read_body(request))
    record = await erasure.erase(runtime.store, actor, tenant, body.agent)
    return json_response(erasure.erasure_json(record), 201)


@router.get("/erasures")
async def list_erasures(
    tenant: str, request: Request, runtime: RuntimeDep, actor: ActorDep
) -> Response:
    """Erasure records; `?agent={...}` finds those of one agent by its hashed key."""
    agent = request.query_params.get("agent")
    found = await erasure.list_erasures(runtime.store, actor, tenant, agent)
    return json_response({"erasures": [erasure.erasure_json(r) for r in found]})


def _int_param(request: Request, name: str) -> int | None:
    value = request.query_params.get(name)
    if value is None:
        return None
    if not (value.isascii() and value.isdigit()) or int(value) >= ROW_ID_LIMIT:
        raise BadRequestError(f"{name} must be a non-negative 64-bit integer")
    return int(value)

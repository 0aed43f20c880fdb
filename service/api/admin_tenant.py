"""Admin API of one tenant's forwarding, dead letters and erasures (/admin/tenants/{tenant}/...)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request, Response

from schemas.admin import ErasureIn, RequeueIn, TargetIn, TargetPatch
from service.api.admin import ActorDep, json_response, read_body
from service.api.declared import json_body, operation
from service.api.deps import AccountsDep, ErasureDep, OutboxDep, SettingsDep, runtime_of
from service.forwarding.addresses import AddressPolicy
from service.model.errors import BadRequestError
from service.tenancy.admin import erasure, forwarding
from service.tenancy.admin.inputs import parse_body
from service.xapi.statement_params import Param

router = APIRouter(prefix="/admin/tenants/{tenant}", tags=["admin"])
ROW_ID_LIMIT = 2**63
"""Stores bind ids as signed 64-bit integers; a larger one is a bad request, not a store error."""
TargetId = Annotated[int, Path(ge=0, lt=ROW_ID_LIMIT)]
ROW_ID = {"type": "integer", "minimum": 0, "maximum": ROW_ID_LIMIT - 1}
DEAD_LETTER_PARAMS = (
    Param("target_id", "Only this forwarding target's dead letters", ROW_ID),
    Param("limit", "At most this many (absent or 0: 100)", ROW_ID),
)
AGENT_FILTER = Param("agent", "Only erasures of this agent (JSON), found by its hashed key")


@router.get("/forwarding")
async def list_targets(tenant: str, store: OutboxDep, actor: ActorDep) -> Response:
    found = await forwarding.list_targets(store, actor, tenant)
    return json_response({"targets": [forwarding.target_json(t) for t in found]})


@router.post("/forwarding", openapi_extra=operation(body=json_body(TargetIn)))
async def post_target(
    tenant: str,
    request: Request,
    accounts: AccountsDep,
    store: OutboxDep,
    settings: SettingsDep,
    actor: ActorDep,
) -> Response:
    body = parse_body(TargetIn, await read_body(request))
    policy = AddressPolicy.from_setting(settings.forwarding.allowed_networks)
    status = await forwarding.add_target(accounts, store, actor, tenant, body, policy)
    return json_response(forwarding.target_json(status), 201)


@router.patch("/forwarding/{target_id}", openapi_extra=operation(body=json_body(TargetPatch)))
async def patch_target(
    tenant: str, target_id: TargetId, request: Request, store: OutboxDep, actor: ActorDep
) -> Response:
    body = parse_body(TargetPatch, await read_body(request))
    status = await forwarding.set_target_enabled(store, actor, tenant, target_id, body.enabled)
    return json_response(forwarding.target_json(status))


@router.delete("/forwarding/{target_id}", status_code=204)
async def delete_target(
    tenant: str, target_id: TargetId, store: OutboxDep, actor: ActorDep
) -> Response:
    await forwarding.delete_target(store, actor, tenant, target_id)
    return Response(status_code=204)


@router.get("/dead-letters", openapi_extra=operation(DEAD_LETTER_PARAMS))
async def list_dead_letters(
    tenant: str, request: Request, store: OutboxDep, actor: ActorDep
) -> Response:
    target, limit = DEAD_LETTER_PARAMS
    target_id = _int_param(request, target.name)
    limit_value = _int_param(request, limit.name) or 100
    found = await forwarding.dead_letters(store, actor, tenant, target_id, limit_value)
    return json_response({"dead_letters": [forwarding.dead_letter_json(d) for d in found]})


@router.post("/dead-letters/requeue", openapi_extra=operation(body=json_body(RequeueIn)))
async def requeue_dead_letters(
    tenant: str, request: Request, store: OutboxDep, actor: ActorDep
) -> Response:
    body = parse_body(RequeueIn, await read_body(request))
    count = await forwarding.requeue(store, actor, tenant, body.target_id)
    return json_response({"requeued": count})


@router.post("/erasures", openapi_extra=operation(body=json_body(ErasureIn)))
async def post_erasure(
    tenant: str, request: Request, accounts: AccountsDep, store: ErasureDep, actor: ActorDep
) -> Response:
    """Erase one agent (body: {"agent": {...}}); answers the durable erasure record."""
    body = parse_body(ErasureIn, await read_body(request))
    on_deleted = runtime_of(request).retract_outcome_evidence
    record = await erasure.erase(accounts, store, actor, tenant, body.agent, on_deleted)
    return json_response(erasure.erasure_json(record), 201)


@router.get("/erasures", openapi_extra=operation([AGENT_FILTER]))
async def list_erasures(
    tenant: str, request: Request, store: ErasureDep, actor: ActorDep
) -> Response:
    """Erasure records; `?agent={...}` finds those of one agent by its hashed key."""
    agent = request.query_params.get(AGENT_FILTER.name)
    found = await erasure.list_erasures(store, actor, tenant, agent)
    return json_response({"erasures": [erasure.erasure_json(r) for r in found]})


def _int_param(request: Request, name: str) -> int | None:
    value = request.query_params.get(name)
    if value is None:
        return None
    if not (value.isascii() and value.isdigit()) or int(value) >= ROW_ID_LIMIT:
        raise BadRequestError(f"{name} must be a non-negative 64-bit integer")
    return int(value)

"""Retention over HTTP: a tenant's policy, and runs (a dry run unless asked) (issue 20)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from schemas.admin import RetentionIn, RetentionRunIn
from service.api.admin import ActorDep, json_response, read_body
from service.api.declared import json_body, operation
from service.api.deps import AccountsDep, runtime_of
from service.tenancy.admin import retention
from service.tenancy.admin.inputs import parse_body

router = APIRouter(prefix="/admin/tenants/{tenant}/retention", tags=["admin"])


@router.get("")
async def get_policy(tenant: str, request: Request, actor: ActorDep) -> Response:
    store = runtime_of(request).store.retention
    policy = await retention.get_policy(store, actor, tenant)
    return json_response(retention.policy_json(tenant, policy))


@router.put("", openapi_extra=operation(body=json_body(RetentionIn)))
async def put_policy(
    tenant: str, request: Request, accounts: AccountsDep, actor: ActorDep
) -> Response:
    """Set the policy (`{"period": "P3Y", "field": "stored"}`); a null period clears it."""
    body = parse_body(RetentionIn, await read_body(request))
    store = runtime_of(request).store.retention
    policy = await retention.set_policy(accounts, store, actor, tenant, body.period, body.field)
    return json_response(retention.policy_json(tenant, policy))


@router.post("/run", openapi_extra=operation(body=json_body(RetentionRunIn)))
async def run_policy(tenant: str, request: Request, actor: ActorDep) -> Response:
    """Count (`dry_run`, the default) or delete the statements past the policy; audited."""
    body = parse_body(RetentionRunIn, await read_body(request))
    runtime = runtime_of(request)
    run = await retention.run_retention(
        runtime.store.retention,
        actor,
        tenant,
        dry_run=body.dry_run,
        on_deleted=runtime.retract_outcome_evidence,
    )
    return json_response(retention.run_json(run))

"""The outcome map resource: versions, validation and evaluation progress."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from schemas.generate import OUTCOME_MAP_SCHEMA
from service.api.declared import map_body, operation
from service.api.deps import AuditDep, OutcomesDep, PrincipalDep, SettingsDep, client_address
from service.api.outcome_support import READ, WRITE, json_response, params_of, read_body
from service.model.errors import BadRequestError, NotFoundError
from service.model.outcomes import MapVersion
from service.outcomes.maps import load_document, validate_map
from service.outcomes.params import check_known, integer
from service.tenancy.admin.actor import acting_principal
from service.tenancy.admin.audit import audited

router = APIRouter(prefix="/outcomes/map", tags=["outcomes"])


def _summary(version: MapVersion) -> dict[str, Any]:
    return {"version": version.version, "status": version.status, "created_ms": version.created_ms}


_MAP = operation(body=map_body())


@router.put("", openapi_extra=_MAP)
async def put_map(
    request: Request,
    outcomes: OutcomesDep,
    settings: SettingsDep,
    principal: PrincipalDep,
    audit: AuditDep,
) -> Response:
    """Store a new map version (JSON or YAML); history is re-evaluated in the background."""
    principal.require(WRITE)
    body = await read_body(request, settings.max_body_bytes)
    outcome_map = validate_map(load_document(body, request.headers.get("content-type")))
    actor = acting_principal(principal, audit, client_address(request))
    async with audited(actor, "outcome_map.install", tenant=principal.tenant) as note:
        version = await outcomes.install_map(principal.tenant, outcome_map)
        note.target, note.details = str(version.version), {"name": outcome_map.name}
    return json_response(
        {**_summary(version), "evaluation": "/outcomes/map/evaluation"},
        status=201,
        headers={"Location": f"/outcomes/map/versions/{version.version}"},
    )


@router.post("/validate", openapi_extra=_MAP)
async def validate(request: Request, settings: SettingsDep, principal: PrincipalDep) -> Response:
    """Check a map without storing it: 200, or 400 listing every problem."""
    principal.require(WRITE, READ)
    body = await read_body(request, settings.max_body_bytes)
    outcome_map = validate_map(load_document(body, request.headers.get("content-type")))
    return json_response({"valid": True, "outcomes": len(outcome_map.outcomes)})


@router.get("")
async def get_map(outcomes: OutcomesDep, principal: PrincipalDep) -> Response:
    """The current map (or the newest, while none is current) with its version."""
    principal.require(READ)
    versions = await outcomes.versions(principal.tenant)
    live = [v for v in versions if v.status == "current"] or [
        v for v in versions if v.status == "evaluating"
    ]
    if not live:
        raise NotFoundError("this tenant has no outcome map yet")
    return json_response({**_summary(live[-1]), "map": live[-1].document})


@router.get("/versions")
async def list_versions(outcomes: OutcomesDep, principal: PrincipalDep) -> Response:
    principal.require(READ)
    versions = await outcomes.versions(principal.tenant)
    return json_response({"versions": [_summary(v) for v in versions]})


@router.get("/versions/{number}")
async def get_version(number: str, outcomes: OutcomesDep, principal: PrincipalDep) -> Response:
    principal.require(READ)
    wanted = integer({"version": number}, "version", 0, 1, 2**31)
    for version in await outcomes.versions(principal.tenant):
        if version.version == wanted:
            return json_response({**_summary(version), "map": version.document})
    raise NotFoundError(f"no outcome map version {wanted}")


@router.get("/evaluation")
async def get_evaluation(
    request: Request, outcomes: OutcomesDep, principal: PrincipalDep
) -> Response:
    """Progress of every live version: statements evaluated and still pending."""
    principal.require(READ)
    check_known(params_of(request), set())
    return json_response({"versions": await outcomes.progress(principal.tenant)})


@router.get("/schema")
async def get_schema(principal: PrincipalDep) -> Response:
    """The outcome map's JSON Schema, for editors and CI checks of map files."""
    principal.require(READ, WRITE)
    if not OUTCOME_MAP_SCHEMA.exists():
        raise BadRequestError("the schema file is missing from this installation")
    return Response(OUTCOME_MAP_SCHEMA.read_bytes(), media_type="application/schema+json")

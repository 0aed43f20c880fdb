"""The outcome map resources: the default map (/outcomes/map) and the tenant's other maps
(/outcomes/maps/{name}), each versioned on its own; validation and evaluation progress."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from schemas.generate import OUTCOME_MAP_SCHEMA
from service.api.declared import map_body, operation
from service.api.deps import (
    AuditDep,
    OutcomesDep,
    PrincipalDep,
    SettingsDep,
    StatementStoreDep,
    client_address,
)
from service.api.outcome_params import CHECK_DAYS
from service.api.outcome_support import (
    READ,
    WRITE,
    json_response,
    map_name,
    min_group,
    params_of,
    read_body,
)
from service.model.clock import now_ms
from service.model.errors import BadRequestError, NotFoundError
from service.model.outcomes import DEFAULT_MAP, MapVersion
from service.outcomes.compile import CompiledMap
from service.outcomes.engine import OutcomeEngine
from service.outcomes.map_check import check_map
from service.outcomes.maps import load_document, validate_map
from service.outcomes.params import check_known, integer
from service.tenancy.admin.actor import AdminActor, acting_principal
from service.tenancy.admin.audit import audited
from service.xapi.statement_params import names

router = APIRouter(prefix="/outcomes/map", tags=["outcomes"])


maps_router = APIRouter(prefix="/outcomes/maps", tags=["outcomes"])


def _summary(version: MapVersion) -> dict[str, Any]:
    return {
        "name": version.name,
        "version": version.number,
        "status": version.status,
        "created_ms": version.created_ms,
    }


def _path(name: str) -> str:
    return "/outcomes/map" if name == DEFAULT_MAP else f"/outcomes/maps/{name}"


_MAP = operation(body=map_body())


async def _install(
    request: Request, outcomes: OutcomeEngine, limit: int, actor: AdminActor, name: str
) -> Response:
    """Store a new version of the map `name` for the actor's tenant, in the audit trail."""
    tenant = actor.tenant or ""
    body = await read_body(request, limit)
    outcome_map = validate_map(load_document(body, request.headers.get("content-type")))
    async with audited(actor, "outcome_map.install", tenant=tenant) as note:
        version = await outcomes.install_map(tenant, outcome_map, name)
        note.target, note.details = str(version.number), {"name": name}
    return json_response(
        {**_summary(version), "evaluation": "/outcomes/map/evaluation"},
        status=201,
        headers={"Location": f"{_path(name)}/versions/{version.number}"},
    )


async def _of(outcomes: OutcomeEngine, tenant: str, name: str) -> list[MapVersion]:
    return [v for v in await outcomes.versions(tenant) if v.name == name]


async def _current(outcomes: OutcomeEngine, tenant: str, name: str) -> Response:
    versions = await _of(outcomes, tenant, name)
    live = [v for v in versions if v.status == "current"] or [
        v for v in versions if v.status == "evaluating"
    ]
    if not live:
        raise NotFoundError(f"this tenant has no outcome map {name!r} yet")
    return json_response({**_summary(live[-1]), "map": live[-1].document})


async def _numbered(outcomes: OutcomeEngine, tenant: str, name: str, number: str) -> Response:
    wanted = integer({"version": number}, "version", 0, 1, 2**31)
    for version in await _of(outcomes, tenant, name):
        if version.number == wanted:
            return json_response({**_summary(version), "map": version.document})
    raise NotFoundError(f"no version {wanted} of the outcome map {name!r}")


@router.put("", openapi_extra=_MAP)
async def put_map(
    request: Request,
    outcomes: OutcomesDep,
    settings: SettingsDep,
    principal: PrincipalDep,
    audit: AuditDep,
) -> Response:
    """Store a new version of the default map (JSON or YAML); history is re-evaluated in the
    background."""
    principal.require(WRITE)
    actor = acting_principal(principal, audit, client_address(request))
    return await _install(request, outcomes, settings.max_body_bytes, actor, DEFAULT_MAP)


@router.post("/validate", openapi_extra=operation(CHECK_DAYS, body=map_body()))
async def validate(
    request: Request,
    statements: StatementStoreDep,
    settings: SettingsDep,
    principal: PrincipalDep,
) -> Response:
    """Check a map without storing it: 200, or 400 listing every problem. With `days`, also
    against the data: what each criterion would have matched over the last `days` days,
    and which of its verbs and activity ids no stored statement has (likely typos)."""
    principal.require(WRITE, READ)
    params = params_of(request)
    check_known(params, set(names(CHECK_DAYS)))
    days = integer(params, "days", 0, 1, 366) if "days" in params else None
    body = await read_body(request, settings.max_body_bytes)
    outcome_map = validate_map(load_document(body, request.headers.get("content-type")))
    answer: dict[str, Any] = {"valid": True, "outcomes": len(outcome_map.outcomes)}
    if days is not None:
        floor = min_group(settings, principal)
        compiled = CompiledMap(outcome_map)
        answer["data"] = await check_map(
            statements, principal.tenant, compiled, days, now_ms(), floor
        )
    return json_response(answer)


@router.get("")
async def get_map(outcomes: OutcomesDep, principal: PrincipalDep) -> Response:
    """The default map's current version (or the newest, while none is current)."""
    principal.require(READ)
    return await _current(outcomes, principal.tenant, DEFAULT_MAP)


@router.get("/versions")
async def list_versions(outcomes: OutcomesDep, principal: PrincipalDep) -> Response:
    principal.require(READ)
    versions = await _of(outcomes, principal.tenant, DEFAULT_MAP)
    return json_response({"versions": [_summary(v) for v in versions]})


@router.get("/versions/{number}")
async def get_version(number: str, outcomes: OutcomesDep, principal: PrincipalDep) -> Response:
    principal.require(READ)
    return await _numbered(outcomes, principal.tenant, DEFAULT_MAP, number)


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


@maps_router.get("")
async def list_maps(outcomes: OutcomesDep, principal: PrincipalDep) -> Response:
    """The tenant's maps (one per programme), each with its newest live version."""
    principal.require(READ)
    newest: dict[str, MapVersion] = {}
    for version in await outcomes.versions(principal.tenant):
        if version.status != "retired":
            newest[version.name] = version
    return json_response({"maps": [_summary(v) for _, v in sorted(newest.items())]})


@maps_router.put("/{name}", openapi_extra=_MAP)
async def put_named_map(
    name: str,
    request: Request,
    outcomes: OutcomesDep,
    settings: SettingsDep,
    principal: PrincipalDep,
    audit: AuditDep,
) -> Response:
    """Store a new version of the map `name`; each map is versioned on its own."""
    principal.require(WRITE)
    actor = acting_principal(principal, audit, client_address(request))
    return await _install(request, outcomes, settings.max_body_bytes, actor, map_name(name))


@maps_router.get("/{name}")
async def get_named_map(name: str, outcomes: OutcomesDep, principal: PrincipalDep) -> Response:
    principal.require(READ)
    return await _current(outcomes, principal.tenant, map_name(name))


@maps_router.get("/{name}/versions")
async def list_named_versions(
    name: str, outcomes: OutcomesDep, principal: PrincipalDep
) -> Response:
    principal.require(READ)
    versions = await _of(outcomes, principal.tenant, map_name(name))
    return json_response({"versions": [_summary(v) for v in versions]})


@maps_router.get("/{name}/versions/{number}")
async def get_named_version(
    name: str, number: str, outcomes: OutcomesDep, principal: PrincipalDep
) -> Response:
    principal.require(READ)
    return await _numbered(outcomes, principal.tenant, map_name(name), number)

"""Roster and KPI uploads (CSV or JSON), validated whole before anything is stored."""

from __future__ import annotations

from dataclasses import asdict

from fastapi import APIRouter, Request, Response

from service.api.declared import operation, table_body
from service.api.deps import OrgDataDep, OutcomesDep, PrincipalDep, SettingsDep
from service.api.outcome_params import EFFECTIVE, KPI_UPLOAD, ROSTER_HISTORY, ROSTER_PAGE
from service.api.outcome_support import READ, WRITE, json_response, params_of, read_body
from service.model.clock import now_ms
from service.model.errors import BadRequestError
from service.outcomes.kpi import KPI_COLUMNS
from service.outcomes.kpi_import import KpiUpload, import_kpis
from service.outcomes.params import MAX_LIMIT, check_known, flag, integer, learner
from service.outcomes.roster import ROSTER_COLUMNS, entry_json, parse_roster, roster_import
from service.xapi.statement_params import names

router = APIRouter(prefix="/outcomes", tags=["outcomes"])


_ROSTER = operation(EFFECTIVE, body=table_body(ROSTER_COLUMNS, ("learner",)))
_KPIS = operation(KPI_UPLOAD, body=table_body(KPI_COLUMNS, KPI_COLUMNS))


@router.put("/roster", openapi_extra=_ROSTER)
@router.post("/roster", openapi_extra=_ROSTER)
async def put_roster(
    request: Request, store: OrgDataDep, settings: SettingsDep, principal: PrincipalDep
) -> Response:
    """PUT replaces the roster, POST adds or updates entries, from `effective` on (default:
    today; a tenant's first upload holds from the beginning); a bad row rejects the upload."""
    principal.require(WRITE)
    params = params_of(request)
    check_known(params, set(names(EFFECTIVE)))
    effective = roster_import(params.get("effective"), now_ms())
    body = await read_body(request, settings.max_body_bytes)
    entries = parse_roster(body, request.headers.get("content-type"))
    count = await store.put_roster(
        principal.tenant, entries, replace=request.method == "PUT", effective=effective
    )
    return json_response({"imported": count})


@router.get("/roster", openapi_extra=operation(ROSTER_PAGE))
async def get_roster(request: Request, store: OrgDataDep, principal: PrincipalDep) -> Response:
    """Current roster entries in learner order, each with the date it holds from; `after` is
    the last learner of the previous page."""
    principal.require(READ)
    params = params_of(request)
    check_known(params, set(names(ROSTER_PAGE)))
    after = params.get("after")
    limit = integer(params, "limit", 100, 1, MAX_LIMIT)
    entries = await store.get_roster(
        principal.tenant, learner({"learner": after}) if after else None, limit
    )
    return json_response({"entries": [entry_json(e) for e in entries]})


@router.get("/roster/history", openapi_extra=operation(ROSTER_HISTORY))
async def get_roster_history(
    request: Request, store: OrgDataDep, principal: PrincipalDep
) -> Response:
    """Every roster entry of one learner, oldest first, with valid_from and valid_to."""
    principal.require(READ)
    params = params_of(request)
    check_known(params, set(names(ROSTER_HISTORY)))
    who = learner(params)
    if who is None:
        raise BadRequestError("learner is required")
    history = await store.roster_history(principal.tenant, who)
    return json_response({"learner": who, "entries": [entry_json(e) for e in history]})


@router.put("/kpis", openapi_extra=_KPIS)
@router.post("/kpis", openapi_extra=_KPIS)
async def put_kpis(
    request: Request,
    store: OrgDataDep,
    outcomes: OutcomesDep,
    settings: SettingsDep,
    principal: PrincipalDep,
) -> Response:
    """PUT replaces every observation, POST adds or updates. A row of another granularity
    than its KPI's, or naming an org unit nobody was in during its period (unless
    allow_new_units=true), rejects the upload with its line and the known units."""
    principal.require(WRITE)
    params = params_of(request)
    check_known(params, set(names(KPI_UPLOAD)))
    upload = KpiUpload(
        replace=request.method == "PUT", allow_new_units=flag(params, "allow_new_units")
    )
    body = await read_body(request, settings.max_body_bytes)
    active = await outcomes.active(principal.tenant)
    known = [k.id for k in active.compiled.map.kpis] if active is not None else []
    content_type = request.headers.get("content-type")
    result = await import_kpis(store, principal.tenant, body, content_type, upload, known)
    return json_response(result)


@router.get("/kpis")
async def get_kpis(store: OrgDataDep, principal: PrincipalDep) -> Response:
    principal.require(READ)
    observations = await store.get_kpi_observations(principal.tenant)
    return json_response({"observations": [asdict(o) for o in observations]})

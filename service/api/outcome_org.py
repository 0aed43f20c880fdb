"""Roster and KPI uploads (CSV or JSON), validated whole before anything is stored."""

from __future__ import annotations

from dataclasses import asdict

from fastapi import APIRouter, Request, Response

from service.api.declared import operation, table_body
from service.api.deps import OutcomeReportsDep, OutcomesDep, PrincipalDep, SettingsDep
from service.api.outcome_params import ROSTER_PAGE
from service.api.outcome_support import READ, WRITE, json_response, params_of, read_body
from service.outcomes.kpi import KPI_COLUMNS, parse_kpis
from service.outcomes.params import MAX_LIMIT, check_known, integer, learner
from service.outcomes.roster import ROSTER_COLUMNS, parse_roster
from service.xapi.statement_params import names

router = APIRouter(prefix="/outcomes", tags=["outcomes"])


_ROSTER = operation(body=table_body(ROSTER_COLUMNS, ("learner",)))
_KPIS = operation(body=table_body(KPI_COLUMNS, KPI_COLUMNS))


@router.put("/roster", openapi_extra=_ROSTER)
@router.post("/roster", openapi_extra=_ROSTER)
async def put_roster(
    request: Request, store: OutcomeReportsDep, settings: SettingsDep, principal: PrincipalDep
) -> Response:
    """PUT replaces the roster, POST adds or updates entries; a bad row rejects the upload."""
    principal.require(WRITE)
    body = await read_body(request, settings.max_body_bytes)
    entries = parse_roster(body, request.headers.get("content-type"))
    count = await store.put_roster(principal.tenant, entries, replace=request.method == "PUT")
    return json_response({"imported": count})


@router.get("/roster", openapi_extra=operation(ROSTER_PAGE))
async def get_roster(
    request: Request, store: OutcomeReportsDep, principal: PrincipalDep
) -> Response:
    """Roster entries in learner order; `after` is the last learner of the previous page."""
    principal.require(READ)
    params = params_of(request)
    check_known(params, set(names(ROSTER_PAGE)))
    after = params.get("after")
    limit = integer(params, "limit", 100, 1, MAX_LIMIT)
    entries = await store.get_roster(
        principal.tenant, learner({"learner": after}) if after else None, limit
    )
    return json_response({"entries": [asdict(e) for e in entries]})


@router.put("/kpis", openapi_extra=_KPIS)
@router.post("/kpis", openapi_extra=_KPIS)
async def put_kpis(
    request: Request,
    store: OutcomeReportsDep,
    outcomes: OutcomesDep,
    settings: SettingsDep,
    principal: PrincipalDep,
) -> Response:
    """PUT replaces every observation, POST adds or updates; a bad row rejects the upload."""
    principal.require(WRITE)
    body = await read_body(request, settings.max_body_bytes)
    observations = parse_kpis(body, request.headers.get("content-type"))
    count = await store.put_kpi_observations(
        principal.tenant, observations, replace=request.method == "PUT"
    )
    active = await outcomes.active(principal.tenant)
    known = {k.id for k in active.compiled.map.kpis} if active is not None else set()
    unlinked = sorted({o.kpi for o in observations} - known)
    return json_response({"imported": count, "kpis_not_in_current_map": unlinked})


@router.get("/kpis")
async def get_kpis(store: OutcomeReportsDep, principal: PrincipalDep) -> Response:
    principal.require(READ)
    observations = await store.get_kpi_observations(principal.tenant)
    return json_response({"observations": [asdict(o) for o in observations]})

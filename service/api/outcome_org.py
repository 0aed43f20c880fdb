"""Roster and KPI uploads (CSV or JSON), validated whole before anything is stored."""

from __future__ import annotations

from dataclasses import asdict

from fastapi import APIRouter, Request, Response

from service.api.deps import PrincipalDep, RuntimeDep
from service.api.outcome_support import READ, WRITE, json_response, params_of, read_body
from service.outcomes.kpi import parse_kpis
from service.outcomes.params import MAX_LIMIT, check_known, integer, learner
from service.outcomes.roster import parse_roster

router = APIRouter(prefix="/outcomes", tags=["outcomes"])


@router.put("/roster")
@router.post("/roster")
async def put_roster(request: Request, runtime: RuntimeDep, principal: PrincipalDep) -> Response:
    """PUT replaces the roster, POST adds or updates entries; a bad row rejects the upload."""
    principal.require(WRITE)
    entries = parse_roster(await read_body(request, runtime), request.headers.get("content-type"))
    count = await runtime.store.put_roster(
        principal.tenant, entries, replace=request.method == "PUT"
    )
    return json_response({"imported": count})


@router.get("/roster")
async def get_roster(request: Request, runtime: RuntimeDep, principal: PrincipalDep) -> Response:
    """Roster entries in learner order; `after` is the last learner of the previous page."""
    principal.require(READ)
    params = params_of(request)
    check_known(params, {"after", "limit"})
    after = params.get("after")
    limit = integer(params, "limit", 100, 1, MAX_LIMIT)
    entries = await runtime.store.get_roster(
        principal.tenant, learner({"learner": after}) if after else None, limit
    )
    return json_response({"entries": [asdict(e) for e in entries]})


@router.put("/kpis")
@router.post("/kpis")
async def put_kpis(request: Request, runtime: RuntimeDep, principal: PrincipalDep) -> Response:
    """PUT replaces every observation, POST adds or updates; a bad row rejects the upload."""
    principal.require(WRITE)
    observations = parse_kpis(
        await read_body(request, runtime), request.headers.get("content-type")
    )
    count = await runtime.store.put_kpi_observations(
        principal.tenant, observations, replace=request.method == "PUT"
    )
    active = await runtime.outcomes.active(principal.tenant)
    known = {k.id for k in active.compiled.map.kpis} if active is not None else set()
    unlinked = sorted({o.kpi for o in observations} - known)
    return json_response({"imported": count, "kpis_not_in_current_map": unlinked})


@router.get("/kpis")
async def get_kpis(runtime: RuntimeDep, principal: PrincipalDep) -> Response:
    principal.require(READ)
    observations = await runtime.store.get_kpi_observations(principal.tenant)
    return json_response({"observations": [asdict(o) for o in observations]})

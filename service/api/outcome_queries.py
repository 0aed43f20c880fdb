"""Outcome queries for dashboards and BI tools (`outcomes/read`)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from service.api.declared import operation
from service.api.deps import (
    OrgDataDep,
    OutcomeReportsDep,
    OutcomesDep,
    PrincipalDep,
    SettingsDep,
)
from service.api.outcome_params import IMPACT, MAP, described
from service.api.outcome_support import (
    READ,
    active_map,
    json_response,
    map_fields,
    min_group,
    params_of,
)
from service.outcomes import params as p
from service.outcomes import reports
from service.outcomes.impact_report import impact

router = APIRouter(prefix="/outcomes", tags=["outcomes"])


@router.get("", openapi_extra=operation((MAP,)))
async def list_outcomes(
    request: Request, store: OutcomeReportsDep, outcomes: OutcomesDep, principal: PrincipalDep
) -> Response:
    """The current map's outcomes with how many learners attained each."""
    principal.require(READ)
    params = params_of(request)
    p.check_known(params, {"map"})
    active = await active_map(outcomes, principal.tenant, params)
    counts = await store.count_attainments(principal.tenant, active.version.version)
    listed = [
        {**o.model_dump(mode="json", exclude={"criteria"}), "attained": counts.get(o.id, 0)}
        for o in active.compiled.map.outcomes
    ]
    progress = await outcomes.progress(principal.tenant)
    return json_response(
        {
            "map": active.version.name,
            "map_version": active.version.number,
            "outcomes": listed,
            "evaluation": progress,
        }
    )


@router.get("/attainments", openapi_extra=operation(described(reports.ATTAINMENT_PARAMS)))
async def list_attainments(
    request: Request, store: OutcomeReportsDep, outcomes: OutcomesDep, principal: PrincipalDep
) -> Response:
    """Attainments per outcome, learner, org unit, period or level, with a paging cursor."""
    principal.require(READ)
    params = params_of(request)
    p.check_known(params, reports.ATTAINMENT_PARAMS)
    active = await active_map(outcomes, principal.tenant, params)
    limit = p.integer(params, "limit", 100, 1, p.MAX_LIMIT)
    query = reports.attainment_query(active, params, limit)
    rows = await store.query_attainments(principal.tenant, query)
    evidence = params.get("evidence", "true" if query.learner else "false") == "true"
    cursor = None
    if len(rows) == limit:
        cursor = p.encode_cursor((rows[-1].record.outcome, rows[-1].record.learner))
    return json_response(
        {
            "map": active.version.name,
            "map_version": active.version.number,
            "attainments": [reports.attainment_json(active, row, evidence) for row in rows],
            "cursor": cursor,
        }
    )


@router.get("/rates", openapi_extra=operation(described(reports.RATE_PARAMS, rates=True)))
async def get_rates(
    request: Request,
    store: OutcomeReportsDep,
    outcomes: OutcomesDep,
    settings: SettingsDep,
    principal: PrincipalDep,
) -> Response:
    """Attainment rates over time per org unit: headcount, attained, new, rate, change; units
    below the minimum group size are listed as suppressed instead."""
    principal.require(READ)
    params = params_of(request)
    active = await active_map(outcomes, principal.tenant, params)
    floor = min_group(settings, principal)
    report = await reports.rates(store, principal.tenant, active, params, floor)
    return json_response({**map_fields(active), **report})


@router.get("/kpi-table", openapi_extra=operation(described(reports.KPI_PARAMS)))
async def get_kpi_table(
    request: Request,
    store: OutcomeReportsDep,
    org: OrgDataDep,
    outcomes: OutcomesDep,
    settings: SettingsDep,
    principal: PrincipalDep,
) -> Response:
    """Outcome x KPI per org unit and period, with Pearson's r across units and periods."""
    principal.require(READ)
    params = params_of(request)
    active = await active_map(outcomes, principal.tenant, params)
    floor = min_group(settings, principal)
    table = await reports.kpis(store, org, principal.tenant, active, params, floor)
    return json_response(
        {
            "map": active.version.name,
            "map_version": active.version.number,
            "min_group_size": floor,
            "rows": table.rows,
            "correlations": table.correlations,
            "suppressed": table.suppressed,
        }
    )


@router.get("/impact", openapi_extra=operation(IMPACT))
async def get_impact(
    request: Request,
    store: OutcomeReportsDep,
    org: OrgDataDep,
    outcomes: OutcomesDep,
    settings: SettingsDep,
    principal: PrincipalDep,
) -> Response:
    """The KPI change associated with going from 0 to 100 % attainment of an outcome: a
    two-way fixed-effects estimate with a wild cluster bootstrap interval, its method, the
    units it used and left out, and caveats in plain sentences."""
    principal.require(READ)
    params = params_of(request)
    active = await active_map(outcomes, principal.tenant, params)
    floor = min_group(settings, principal)
    report = await impact(store, org, principal.tenant, active, params, floor)
    return json_response({**map_fields(active), **report})

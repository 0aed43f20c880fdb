"""The KPI page: each outcome's estimated impact on its KPIs with the interval drawn, then
the correlations and the outcome x KPI table."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request, Response

from service.console.downloads import columns_of, csv_download
from service.console.interval_charts import Interval, IntervalChart, interval_chart
from service.console.outcome_access import Outcomes, active_map, outcomes_of, report_params
from service.console.web import BASE, ConsoleRoute, SessionDep, render
from service.model.errors import BadRequestError, NotFoundError
from service.model.outcomes import ROSTER_FIELDS
from service.outcomes import params as p
from service.outcomes import reports
from service.outcomes.aggregate import KpiTable
from service.outcomes.engine import ActiveMap
from service.outcomes.impact_report import impact

router = APIRouter(prefix=f"{BASE}/outcomes", route_class=ConsoleRoute, include_in_schema=False)
KPI_PARAMS = ("outcome", "group_by", "lag")
MAX_ESTIMATES = 12  # outcome x KPI pairs estimated for one page: each runs a bootstrap
LAGS = range(7)
IMPACT_COLUMNS = (
    "outcome", "outcome_name", "kpi", "kpi_name", "kpi_unit", "higher_is_better", "group_by",
    "granularity", "lag", "estimate", "ci_low", "ci_high", "standard_error", "p_value",
    "n_units", "n_periods", "n_observations", "min_group_size", "pre_trend_check_passed",
    "pre_trend_estimate", "pre_trend_ci_low", "pre_trend_ci_high", "left_out", "summary",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class ImpactView:
    """One outcome x KPI pair: the API's impact record and its chart, or why there is none."""

    outcome: str
    outcome_name: str
    kpi: str
    kpi_name: str
    report: dict[str, Any] | None
    refusal: str | None  # the answer the API would give instead of a record
    chart: IntervalChart | None


@router.get("/kpis")
async def get_kpis(request: Request, session: SessionDep) -> Response:
    """Impact estimates with their intervals drawn, correlations, and the KPI table."""
    outcomes = outcomes_of(request, session)
    active = await active_map(outcomes)
    params = report_params(request, KPI_PARAMS)
    links = _links(active, params)
    views = [await _impact_view(outcomes, active, params, *link) for link in links[:MAX_ESTIMATES]]
    table = await _kpi_table(request, outcomes, active)
    context = {
        "params": params,
        "outcomes": active.compiled.map.outcomes,
        "views": views,
        "more": len(links) - len(views),
        "method": next((v.report["method"] for v in views if v.report), None),
        "floor": outcomes.floor,
        "kpis": table.rows,
        "kpi_columns": columns_of(table.rows),
        "correlations": _named(active, table.correlations),
        "unit_fields": ROSTER_FIELDS,
        "lags": LAGS,
        "query": request.url.query,
    }
    return render(request, "kpis.html", context, session=session)


@router.get("/impact.csv")
async def get_impact_csv(request: Request, session: SessionDep) -> Response:
    """The page's impact estimates, one row per outcome x KPI pair."""
    outcomes = outcomes_of(request, session)
    active = await active_map(outcomes)
    params = report_params(request, KPI_PARAMS)
    links = _links(active, params)[:MAX_ESTIMATES]
    rows = [_csv_row(await _impact_view(outcomes, active, params, *link)) for link in links]
    return csv_download(rows, "outcome-impact.csv", IMPACT_COLUMNS)


@router.get("/kpis.csv")
async def get_kpis_csv(request: Request, session: SessionDep) -> Response:
    outcomes = outcomes_of(request, session)
    active = await active_map(outcomes)
    table = await _kpi_table(request, outcomes, active)
    return csv_download(table.rows, "outcome-kpis.csv")


def _links(active: ActiveMap, params: dict[str, str]) -> list[tuple[str, str]]:
    """The outcome x KPI pairs the map links (of one outcome, when the query names it)."""
    wanted = params.get("outcome")
    if wanted is not None and active.compiled.map.outcome(wanted) is None:
        raise BadRequestError(f"the current outcome map has no outcome {wanted!r}")
    p.unit_field(params)  # a bad group_by or lag is one error, not one per pair
    p.integer(params, "lag", 0, 0, 60)
    return [
        (outcome.id, kpi)
        for outcome in active.compiled.map.outcomes
        if wanted in (None, outcome.id)
        for kpi in outcome.kpis
    ]


async def _impact_view(
    outcomes: Outcomes, active: ActiveMap, params: dict[str, str], outcome: str, kpi: str
) -> ImpactView:
    the_map = active.compiled.map
    found = the_map.outcome(outcome)
    outcome_name = outcome if found is None else found.name
    kpi_name = next((k.name for k in the_map.kpis if k.id == kpi), kpi)
    asked = {**params, "outcome": outcome, "kpi": kpi}
    try:
        report = await impact(
            outcomes.reports, outcomes.org, outcomes.tenant, active, asked, outcomes.floor
        )
    except (BadRequestError, NotFoundError) as refused:  # no KPI values yet; too many units
        return ImpactView(outcome, outcome_name, kpi, kpi_name, None, refused.message, None)
    return ImpactView(outcome, outcome_name, kpi, kpi_name, report, None, _chart(report))


def _chart(report: dict[str, Any]) -> IntervalChart | None:
    """The estimate, and the pre-period check beside it when it could be run."""
    if report["estimate"] is None:
        return None
    rows = [Interval("Estimate", report["estimate"], report["ci_low"], report["ci_high"])]
    check = report["pre_trend_check"]
    if check["estimate"] is not None:
        rows.append(
            Interval("Pre-period check", check["estimate"], check["ci_low"], check["ci_high"])
        )
    return interval_chart(rows, report["kpi_unit"] or "")


def _csv_row(view: ImpactView) -> dict[str, Any]:
    row: dict[str, Any] = {
        "outcome": view.outcome,
        "outcome_name": view.outcome_name,
        "kpi": view.kpi,
        "kpi_name": view.kpi_name,
        "summary": view.refusal,
    }
    report = view.report
    if report is not None:
        check = report["pre_trend_check"]
        row.update({k: report[k] for k in IMPACT_COLUMNS if k in report})
        row.update(
            pre_trend_check_passed=check["passed"],
            pre_trend_estimate=check["estimate"],
            pre_trend_ci_low=check["ci_low"],
            pre_trend_ci_high=check["ci_high"],
            left_out="; ".join(f"{s['org_unit']}: {s['reason']}" for s in report["suppressed"]),
        )
    return {column: row.get(column) for column in IMPACT_COLUMNS}


def _named(active: ActiveMap, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows with the map's outcome and KPI names where the API has their ids."""
    the_map = active.compiled.map
    outcomes = {o.id: o.name for o in the_map.outcomes}
    kpis = {k.id: k.name for k in the_map.kpis}
    return [
        {
            **row,
            "outcome": outcomes.get(row["outcome"], row["outcome"]),
            "kpi": kpis.get(row["kpi"], row["kpi"]),
        }
        for row in rows
    ]


async def _kpi_table(request: Request, outcomes: Outcomes, active: ActiveMap) -> KpiTable:
    params = report_params(request, KPI_PARAMS)
    return await reports.kpis(
        outcomes.reports, outcomes.org, outcomes.tenant, active, params, outcomes.floor
    )

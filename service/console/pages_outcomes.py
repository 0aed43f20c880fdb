"""Outcome pages for L&D: outcomes with attainment, rates over time, one learner."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import orjson
from fastapi import APIRouter, Request, Response

from service.api.deps import get_statements
from service.console.charts import LineChart, line_chart
from service.console.downloads import csv_download
from service.console.outcome_access import (
    active_map,
    active_or_none,
    outcomes_of,
    report_params,
)
from service.console.web import BASE, ConsoleRoute, SessionDep, render
from service.model.errors import BadRequestError, NotFoundError
from service.model.outcomes import ROSTER_FIELDS
from service.outcomes import export, reports
from service.outcomes import params as p
from service.outcomes.periods import GRANULARITIES
from service.outcomes.progress import learner_progress
from service.statements.read import StatementRead
from service.tenancy import access

router = APIRouter(prefix=f"{BASE}/outcomes", route_class=ConsoleRoute, include_in_schema=False)
REPORT_PARAMS = ("outcome", "group_by", "granularity", "since", "until")
MAX_EVIDENCE = 500  # statements read for one learner page


@router.get("")
async def get_outcomes(request: Request, session: SessionDep) -> Response:
    """Outcomes with attainment, and the rates chart with its table."""
    outcomes = outcomes_of(request, session)
    active = await active_or_none(outcomes)
    progress = await outcomes.engine.progress(outcomes.tenant)
    context: dict[str, Any] = {"active": active, "progress": progress}
    if active is None:
        return render(request, "outcomes.html", context, session=session)
    params = report_params(request, REPORT_PARAMS)
    params.setdefault("granularity", "month")
    counts = await outcomes.reports.count_attainments(outcomes.tenant, active.version.version)
    listed = [(o, counts.get(o.id, 0)) for o in active.compiled.map.outcomes]
    rates = await reports.rates(outcomes.reports, outcomes.tenant, active, params, outcomes.floor)
    context.update(
        titles={o.id: o.name for o in active.compiled.map.outcomes},
        params=params,
        listed=listed,
        charts=_charts(rates["rows"]),
        kpis=[k.name for k in active.compiled.map.kpis],
        unit_fields=ROSTER_FIELDS,
        granularities=GRANULARITIES,
        query=request.url.query,
    )
    return render(request, "outcomes.html", context, session=session)


@router.get("/rates.csv")
async def get_rates_csv(request: Request, session: SessionDep) -> Response:
    outcomes = outcomes_of(request, session)
    active = await active_map(outcomes)
    report = await reports.rates(
        outcomes.reports,
        outcomes.tenant,
        active,
        report_params(request, REPORT_PARAMS),
        outcomes.floor,
    )
    return csv_download(report["rows"], "attainment-rates.csv")


@router.get("/learner")
async def get_learner(request: Request, session: SessionDep) -> Response:
    """One learner's progress on every outcome, with the statements behind it, readable."""
    outcomes = outcomes_of(request, session)
    active = await active_map(outcomes)
    learner = p.learner(report_params(request, ("learner",)))
    if learner is None:
        raise BadRequestError("name a learner (an email, mailto: IRI or account)")
    found = await learner_progress(outcomes.evaluation, outcomes.tenant, active, learner)
    query = reports.attainment_query(active, {"learner": learner}, 1)
    rows = await outcomes.reports.query_attainments(outcomes.tenant, query)
    about = reports.attainment_json(active, rows[0], False) if rows else {}
    wanted = {sid for o in found for c in o.criteria for sid in c.statements}
    levels = {
        (o.id, level.level): level.name for o in active.compiled.map.outcomes for level in o.levels
    }
    context = {
        "learner": learner,
        "about": about,
        "progress": found,
        "levels": levels,
        "evidence": await _evidence(request, session, wanted),
    }
    return render(request, "learner.html", context, session=session)


@router.get("/attainments")
async def get_attainments(request: Request, session: SessionDep) -> Response:
    """Who attained what (newest map), with links to each learner's evidence."""
    outcomes = outcomes_of(request, session)
    active = await active_map(outcomes)
    params = report_params(request, ("outcome", "org_unit", "group_by", "cursor"))
    query = reports.attainment_query(active, params, 100)
    rows = await outcomes.reports.query_attainments(outcomes.tenant, query)
    listed = [reports.attainment_json(active, row, False) for row in rows]
    return render(
        request,
        "attainments.html",
        {"rows": listed, "outcome": params.get("outcome")},
        session=session,
    )


async def _evidence(
    request: Request, session: SessionDep, wanted: set[str]
) -> dict[str, dict[str, Any]]:
    """The evidence statements the person may read (the statement service's scope rules,
    AU-5), by id, flattened for reading (verb, activity, result, time)."""
    principal = session.principal
    if not principal.can(*access.READ_SCOPES):
        return {}
    service = await get_statements(request)
    found: dict[str, dict[str, Any]] = {}
    for statement_id in sorted(wanted)[:MAX_EVIDENCE]:
        read = StatementRead([("statementId", statement_id)], "2.0.0", None)
        try:
            answer = await service.read(principal, read)
        except NotFoundError:  # voided, erased, or another credential's under read/mine
            continue
        statement = orjson.loads(answer.body)
        found[statement_id] = export.flatten_statement(statement, principal.tenant)
    return found


@dataclass(frozen=True, slots=True)
class RateView:
    """One outcome's rates: the chart, and the same numbers as a unit x period table."""

    outcome: str
    chart: LineChart
    periods: list[str]
    units: list[tuple[str, list[float | None]]]


def _charts(rows: list[dict[str, Any]]) -> list[RateView]:
    """Per outcome, a line per org unit: the rate at the end of each period."""
    by_outcome: dict[str, dict[str, dict[str, float | None]]] = defaultdict(
        lambda: defaultdict(dict)
    )
    periods: dict[str, None] = {}
    for row in rows:
        periods[row["period"]] = None
        by_outcome[row["outcome"]][row["org_unit"]][row["period"]] = row.get("rate")
    labels = list(periods)
    views = []
    for outcome, units in by_outcome.items():
        series = {unit: [values.get(p) for p in labels] for unit, values in units.items()}
        views.append(RateView(outcome, line_chart(labels, series), labels, list(series.items())))
    return views

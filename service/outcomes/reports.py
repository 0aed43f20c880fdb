"""The outcome reports behind the query and export endpoints: params in, plain rows out."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from service.model.errors import BadRequestError
from service.model.outcomes import ROSTER_FIELDS, AttainmentQuery, AttainmentRow
from service.outcomes import params as p
from service.outcomes.aggregate import (
    KpiTable,
    kpi_table,
    measured,
    rate_series,
    series_periods,
    spans,
)
from service.outcomes.engine import ActiveMap
from service.outcomes.membership import unit_counts
from service.outcomes.periods import period_of, shift
from service.outcomes.privacy import Suppression
from service.store.ports import OrgDataStore, OutcomeReportStore
from service.xapi.timestamps import format_ms

ATTAINMENT_PARAMS = {
    "outcome", "learner", "org_unit", "group_by", "period", "since", "until", "level",
    "limit", "cursor", "evidence", "map",
}  # fmt: skip
ATTAINMENT_COLUMNS = (
    "outcome", "learner", "name", "attained_at", "level", "level_name", *ROSTER_FIELDS,
)  # fmt: skip
RATE_PARAMS = {"outcome", "group_by", "granularity", "since", "until", "map"}
KPI_PARAMS = {"outcome", "kpi", "group_by", "lag", "map"}
MAX_PERIODS = 2000


def attainment_query(active: ActiveMap, params: dict[str, str], limit: int) -> AttainmentQuery:
    """An attainment listing's filters from request parameters (any of them may be absent)."""
    outcome = params.get("outcome")
    if outcome is not None and active.compiled.map.outcome(outcome) is None:
        raise BadRequestError(f"the current outcome map has no outcome {outcome!r}")
    span = p.time_range(params)
    return AttainmentQuery(
        version=active.version.version,
        outcome=outcome,
        learner=p.learner(params),
        unit_field=p.unit_field(params),
        unit=params.get("org_unit"),
        since_ms=span.since_ms,
        until_ms=span.until_ms,
        level=p.integer(params, "level", 0, 1, 100) if "level" in params else None,
        after=p.decode_cursor(params),
        limit=limit,
    )


def attainment_json(active: ActiveMap, row: AttainmentRow, evidence: bool) -> dict[str, Any]:
    """One attainment as the API and the exports show it."""
    record, roster = row.record, row.roster
    outcome = active.compiled.map.outcome(record.outcome)
    level_name = None
    if outcome is not None and record.level is not None:
        level_name = next((lv.name for lv in outcome.levels if lv.level == record.level), None)
    out: dict[str, Any] = {
        "outcome": record.outcome,
        "learner": record.learner,
        "name": (roster.name if roster and roster.name else None) or record.name,
        "attained_at": format_ms(record.attained_ms),
        "level": record.level,
        "level_name": level_name,
    }
    for field in ROSTER_FIELDS:
        out[field] = getattr(roster, field) if roster is not None else None
    if evidence:
        out["evidence"] = record.evidence
    return out


async def rates(
    store: OutcomeReportStore, tenant: str, active: ActiveMap, params: dict[str, str], floor: int
) -> dict[str, Any]:
    """Attainment rates per org unit and period: attained by the period's end, among those in
    the unit during the period, with the change from the previous period."""
    p.check_known(params, RATE_PARAMS)
    outcomes = _outcomes(active, params)
    field = p.unit_field(params)
    granularity = p.granularity(params)
    since, until = p.period(params, "since"), p.period(params, "until")
    for name, value in (("since", since), ("until", until)):
        if value is not None and value.granularity != granularity:
            raise BadRequestError(f"{name} must be a {granularity} label like the granularity")
    version = active.version.version
    first = None if since else await store.first_attainment_day(tenant, version, outcomes)
    last = until or period_of(datetime.now(UTC).date(), granularity)
    periods = series_periods(first, granularity, since, last)
    if len(periods) > MAX_PERIODS:
        raise BadRequestError("too many periods: narrow since/until or use a coarser granularity")
    counted = spans([shift(periods[0], -1), *periods]) if periods else []
    counts = await unit_counts(store, tenant, version, field, outcomes, counted)
    hidden = Suppression(floor)
    rows = rate_series(counts, outcomes, periods, hidden)
    return {
        "group_by": field,
        "granularity": granularity,
        "min_group_size": floor,
        "rows": rows,
        "suppressed": hidden.report(),
    }


async def kpis(
    store: OutcomeReportStore,
    org: OrgDataStore,
    tenant: str,
    active: ActiveMap,
    params: dict[str, str],
    floor: int,
) -> KpiTable:
    """The outcome x KPI table per org unit and period, with correlations per link."""
    p.check_known(params, KPI_PARAMS)
    wanted_outcome, wanted_kpi = params.get("outcome"), params.get("kpi")
    links = [
        (outcome.id, kpi)
        for outcome in active.compiled.map.outcomes
        for kpi in outcome.kpis
        if wanted_outcome in (None, outcome.id) and wanted_kpi in (None, kpi)
    ]
    field = p.unit_field(params)
    lag = p.integer(params, "lag", 0, 0, 60)
    outcomes = sorted({outcome for outcome, _ in links})
    observations = await org.get_kpi_observations(tenant)
    linked = {kpi for _, kpi in links}
    wanted = {measured(o, lag) for o in observations if o.kpi in linked}
    periods = sorted(wanted, key=lambda period: (period.start, period.label))
    version = active.version.version
    counts = await unit_counts(store, tenant, version, field, outcomes, spans(periods))
    directions = {k.id: k.higher_is_better for k in active.compiled.map.kpis}
    return kpi_table(counts, links, observations, lag, Suppression(floor), directions)


def _outcomes(active: ActiveMap, params: dict[str, str]) -> list[str]:
    outcome = params.get("outcome")
    ids = [o.id for o in active.compiled.map.outcomes]
    if outcome is None:
        return ids
    if outcome not in ids:
        raise BadRequestError(f"the current outcome map has no outcome {outcome!r}")
    return [outcome]

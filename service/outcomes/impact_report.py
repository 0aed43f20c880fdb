"""GET /outcomes/impact: the KPI change associated with an outcome's attainment, as a plain
record the JSON API and the console both render."""

from __future__ import annotations

import asyncio
from typing import Any

import numpy as np

from schemas.outcomes import Kpi, OutcomeMap
from service.model.errors import BadRequestError, NotFoundError
from service.model.outcomes import KpiObservation
from service.outcomes import params as p
from service.outcomes.aggregate import measured, spans
from service.outcomes.engine import ActiveMap
from service.outcomes.impact import DRAWS, SEED, Estimate, Panel, estimate
from service.outcomes.impact_checks import Cell, lead_check
from service.outcomes.impact_words import caveats, method, no_estimate, summary
from service.outcomes.membership import unit_counts
from service.outcomes.periods import parse_period
from service.outcomes.privacy import Suppression
from service.store.ports import OrgDataStore, OutcomeReportStore

IMPACT_PARAMS = {"outcome", "kpi", "group_by", "granularity", "since", "until", "lag", "map"}
MIN_UNITS = 4
MIN_PERIODS = 3
MAX_WORK = 4_000_000  # cells x units: the bootstrap's largest array


async def impact(
    store: OutcomeReportStore,
    org: OrgDataStore,
    tenant: str,
    active: ActiveMap,
    params: dict[str, str],
    floor: int,
) -> dict[str, Any]:
    """The impact estimate of one outcome on one KPI, with its design and caveats."""
    p.check_known(params, IMPACT_PARAMS)
    the_map = active.compiled.map
    outcome = _required(params, "outcome")
    found = the_map.outcome(outcome)
    if found is None:
        raise BadRequestError(f"the current outcome map has no outcome {outcome!r}")
    kpi_id = _required(params, "kpi")
    kpi = _kpi(the_map, kpi_id)
    field = p.unit_field(params)
    lag = p.integer(params, "lag", 0, 0, 60)
    observations = [o for o in await org.get_kpi_observations(tenant) if o.kpi == kpi_id]
    if not observations:
        raise NotFoundError(f"no observations of KPI {kpi_id!r}: upload them to /outcomes/kpis")
    granularity = parse_period(observations[0].period).granularity
    if params.get("granularity", granularity) != granularity:
        raise BadRequestError(f"KPI {kpi_id!r} is reported per {granularity}")
    observations = _within(observations, params, granularity)
    periods = sorted({measured(o, lag) for o in observations}, key=lambda x: x.start)
    version = active.version.version
    counts = await unit_counts(store, tenant, version, field, [outcome], spans(periods))
    hidden = Suppression(floor)
    cells = []
    for observation in observations:
        at = measured(observation, lag)
        count = counts.get(outcome, observation.org_unit, at.label)
        people = 0 if count is None else count.members
        if count is None or not hidden.allows(observation.org_unit, observation.period, people):
            continue
        rate = count.attained / count.members
        cells.append(
            Cell(
                observation.org_unit,
                parse_period(observation.period),
                observation.value,
                people,
                rate,
            )
        )
    cells, alone = _drop_lone_units(cells)
    suppressed = hidden.report() + alone
    units = sorted({c.unit for c in cells})
    labels = sorted({c.period.label for c in cells})
    if len(cells) * max(len(units), 1) > MAX_WORK:
        raise BadRequestError(
            "too many org units and periods: narrow since/until or group_by a coarser field"
        )
    head: dict[str, Any] = {
        "outcome": outcome,
        "kpi": kpi_id,
        "kpi_unit": kpi.unit,
        "higher_is_better": kpi.higher_is_better,
        "group_by": field,
        "granularity": granularity,
        "lag": lag,
        "min_group_size": floor,
        "method": method(DRAWS, SEED),
        "n_units": len(units),
        "n_periods": len(labels),
        "n_observations": len(cells),
    }
    check, result, reason = await asyncio.to_thread(_estimates, cells, units, labels)
    words = {"outcome": found.name, "kpi": kpi.name, "unit": kpi.unit, "granularity": granularity}
    return {
        **head,
        **_figures(result),
        "summary": reason if result is None else summary(result, kpi, words),
        "pre_trend_check": check,
        "units": _unit_rows(cells, units, result),
        "suppressed": suppressed,
        "caveats": caveats(
            n_units=len(units),
            field=field,
            floor=floor,
            lag=lag,
            known_kpi=any(k.id == kpi_id for k in the_map.kpis),
            suppressed=len(suppressed),
            leaders=_leaders(units, result),
            check=check["passed"],
            estimated=result is not None,
        ),
    }


def _estimates(
    cells: list[Cell], units: list[str], labels: list[str]
) -> tuple[dict[str, Any], Estimate | None, str | None]:
    """The pre-period check, the estimate and why there is none: tens of milliseconds of
    numpy per call, so they run off the event loop and other requests keep being served."""
    check = lead_check(cells, MIN_UNITS, MIN_PERIODS)
    reason = no_estimate(len(units), len(labels), MIN_UNITS, MIN_PERIODS)
    if reason is not None:
        return check, None, reason
    result = estimate(_panel(cells, units, labels))
    if result is None:
        reason = no_estimate(len(units), len(labels), MIN_UNITS, MIN_PERIODS, flat=True)
    return check, result, reason


def _required(params: dict[str, str], name: str) -> str:
    value = params.get(name)
    if not value:
        raise BadRequestError(f"{name} is required")
    return value


def _kpi(the_map: OutcomeMap, kpi_id: str) -> Kpi:
    """The map's KPI definition, or one named after the id (direction: higher is better)."""
    return next((k for k in the_map.kpis if k.id == kpi_id), None) or Kpi(id=kpi_id, name=kpi_id)


def _within(
    observations: list[KpiObservation], params: dict[str, str], granularity: str
) -> list[KpiObservation]:
    since, until = p.period(params, "since"), p.period(params, "until")
    for name, value in (("since", since), ("until", until)):
        if value is not None and value.granularity != granularity:
            raise BadRequestError(f"{name} must be a {granularity} label like the KPI's periods")
    out = []
    for observation in observations:
        start = parse_period(observation.period).start
        if (since is None or start >= since.start) and (until is None or start <= until.start):
            out.append(observation)
    return out


def _drop_lone_units(cells: list[Cell]) -> tuple[list[Cell], list[dict[str, Any]]]:
    """Units with one period left tell nothing once their level is removed: left out."""
    periods: dict[str, list[str]] = {}
    for cell in cells:
        periods.setdefault(cell.unit, []).append(cell.period.label)
    lone = {unit for unit, labels in periods.items() if len(labels) < 2}
    dropped = [
        {
            "org_unit": unit,
            "periods": periods[unit],
            "reason": "only one period with a KPI value and enough people: a unit is compared "
            "with itself over time",
        }
        for unit in sorted(lone)
    ]
    return [c for c in cells if c.unit not in lone], dropped


def _panel(cells: list[Cell], units: list[str], labels: list[str]) -> Panel:
    unit_index = {u: i for i, u in enumerate(units)}
    period_index = {label: i for i, label in enumerate(labels)}
    return Panel(
        unit=np.array([unit_index[c.unit] for c in cells], dtype=np.intp),
        period=np.array([period_index[c.period.label] for c in cells], dtype=np.intp),
        kpi=np.array([c.kpi for c in cells], dtype=np.float64),
        rate=np.array([c.rate for c in cells], dtype=np.float64),
        weight=np.array([c.headcount for c in cells], dtype=np.float64),
    )


def _figures(result: Estimate | None) -> dict[str, float | None]:
    if result is None:
        return dict.fromkeys(("estimate", "ci_low", "ci_high", "standard_error", "p_value"))
    return {
        "estimate": _round(result.beta),
        "ci_low": _round(result.ci_low),
        "ci_high": _round(result.ci_high),
        "standard_error": _round(result.se),
        "p_value": round(result.p_value, 4),
    }


def _round(value: float) -> float | None:
    return round(value, 4) if np.isfinite(value) else None


def _unit_rows(
    cells: list[Cell], units: list[str], result: Estimate | None
) -> list[dict[str, Any]]:
    rows = []
    for index, unit in enumerate(units):
        mine = sorted((c for c in cells if c.unit == unit), key=lambda c: c.period.start)
        rows.append(
            {
                "org_unit": unit,
                "periods": len(mine),
                "first_period": mine[0].period.label,
                "last_period": mine[-1].period.label,
                "mean_headcount": round(sum(c.headcount for c in mine) / len(mine), 1),
                "rate_first": round(mine[0].rate, 4),
                "rate_last": round(mine[-1].rate, 4),
                "kpi_first": mine[0].kpi,
                "kpi_last": mine[-1].kpi,
                "weight": None if result is None else round(float(result.shares[index]), 4),
            }
        )
    return rows


def _leaders(units: list[str], result: Estimate | None) -> list[str]:
    """The fewest units that carry more than half of the identifying variation, if two or
    fewer do."""
    if result is None:
        return []
    order = np.argsort(-result.shares)
    top = [units[i] for i in order[:2]]
    if result.shares[order[0]] > 0.5:
        return top[:1]
    return top if float(result.shares[order[:2]].sum()) > 0.5 else []

"""Attainment rates per org unit and period, and the outcome x KPI table with correlations
(Pearson's r with a Fisher-z 95 % interval: r does not remove common trends; the impact
estimate does).

A rate answers "attained by the end of the period, among those in the unit at any time during
the period" (the roster history decides who was where), so a roster change today leaves past
periods as they were.
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from service.model.outcomes import KpiObservation, PeriodSpan, UnitPeriodCount
from service.outcomes.impact import pearson_interval
from service.outcomes.periods import (
    Granularity,
    Period,
    parse_period,
    period_at,
    periods_between,
    shift,
)
from service.outcomes.privacy import Suppression

_DAY_MS = 86_400_000


class UnitCounts:
    """The store's counts, looked up by outcome, org unit and period label."""

    def __init__(self, counts: list[UnitPeriodCount]) -> None:
        self._counts = {(c.outcome, c.unit, c.period): c for c in counts}
        self.units = sorted({c.unit for c in counts})

    def get(self, outcome: str, unit: str, period: str) -> UnitPeriodCount | None:
        return self._counts.get((outcome, unit, period))


def spans(periods: list[Period]) -> list[PeriodSpan]:
    """The periods as the store counts them."""
    return [PeriodSpan(p.label, p.start_ms, p.end_ms) for p in periods]


def rate(attained: int, headcount: int) -> float | None:
    return round(attained / headcount, 4) if headcount else None


def rate_series(
    counts: UnitCounts, outcomes: list[str], periods: list[Period], hidden: Suppression
) -> list[dict[str, Any]]:
    """For every outcome, unit and period the unit had enough people in: headcount, attained
    by the end, new in it, rate and its change from the previous period (none when that
    period's group was too small to show, since the change would reveal its rate)."""
    rows = []
    for outcome in outcomes:
        for unit in counts.units:
            for period in periods:
                count = counts.get(outcome, unit, period.label)
                if count is None or not hidden.allows(unit, period.label, count.members):
                    continue
                share = rate(count.attained, count.members)
                before = counts.get(outcome, unit, shift(period, -1).label)
                earlier = None
                if before is not None and before.members >= hidden.floor:
                    earlier = rate(before.attained, before.members)
                rows.append(
                    {
                        "outcome": outcome,
                        "org_unit": unit,
                        "period": period.label,
                        "headcount": count.members,
                        "attained": count.attained,
                        "new": count.attained - count.attained_before,
                        "rate": share,
                        "change": change(share, earlier),
                    }
                )
    return rows


def change(now: float | None, before: float | None) -> float | None:
    return None if now is None or before is None else round(now - before, 4)


def series_periods(
    first_day: int | None, granularity: Granularity, since: Period | None, until: Period
) -> list[Period]:
    """Periods from `since` (or the period of the first attainment's day) through `until`."""
    if since is None:
        since = until if first_day is None else period_at(first_day * _DAY_MS, granularity)
    return periods_between(since, until) if since.start <= until.start else []


def measured(observation: KpiObservation, lag: int) -> Period:
    """The period whose end the attainment rate next to a KPI observation is measured at."""
    return shift(parse_period(observation.period), -lag)


@dataclass(frozen=True, slots=True)
class KpiTable:
    rows: list[dict[str, Any]]
    correlations: list[dict[str, Any]]
    suppressed: list[dict[str, Any]]


def kpi_table(
    counts: UnitCounts,
    links: list[tuple[str, str]],
    observations: list[KpiObservation],
    lag: int,
    hidden: Suppression,
    higher_is_better: dict[str, bool],
) -> KpiTable:
    """Attainment rate (at the end of the period `lag` periods earlier, among the people in
    the unit during that period) next to each KPI value; groups too small to show are left
    out of the rows and the correlations."""
    by_kpi: dict[str, list[KpiObservation]] = defaultdict(list)
    for observation in observations:
        by_kpi[observation.kpi].append(observation)
    rows: list[dict[str, Any]] = []
    correlations: list[dict[str, Any]] = []
    for outcome, kpi in links:
        pairs: list[tuple[float, float]] = []
        for observation in by_kpi.get(kpi, []):
            at = measured(observation, lag)
            count = counts.get(outcome, observation.org_unit, at.label)
            headcount = 0 if count is None else count.members
            if not hidden.allows(observation.org_unit, at.label, headcount):
                continue
            attained = 0 if count is None else count.attained
            share = rate(attained, headcount)
            rows.append(
                {
                    "outcome": outcome,
                    "kpi": kpi,
                    "org_unit": observation.org_unit,
                    "period": observation.period,
                    "rate_measured_at": at.end.isoformat(),
                    "headcount": headcount,
                    "attained": attained,
                    "attainment_rate": share,
                    "kpi_value": observation.value,
                }
            )
            if share is not None:
                pairs.append((share, observation.value))
        r = pearson(pairs)
        interval = None if r is None else pearson_interval(r, len(pairs))
        correlations.append(
            {
                "outcome": outcome,
                "kpi": kpi,
                "higher_is_better": higher_is_better.get(kpi, True),
                "n": len(pairs),
                "pearson_r": r,
                "r_ci_low": None if interval is None else round(interval[0], 4),
                "r_ci_high": None if interval is None else round(interval[1], 4),
            }
        )
    return KpiTable(rows, correlations, hidden.report())


def pearson(pairs: list[tuple[float, float]]) -> float | None:
    """Pearson's r across (rate, KPI) cells; None below 3 cells or without variation."""
    if len(pairs) < 3:
        return None
    try:
        value = statistics.correlation([x for x, _ in pairs], [y for _, y in pairs])
    except statistics.StatisticsError:
        return None
    return round(value, 4) if math.isfinite(value) else None

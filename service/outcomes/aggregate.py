"""Attainment rates per org unit over time, and the outcome x KPI table with correlations."""

from __future__ import annotations

import bisect
import math
import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from service.model.outcomes import KpiObservation, UnitDayCount
from service.outcomes.periods import (
    Granularity,
    Period,
    parse_period,
    period_at,
    periods_between,
    shift,
)

_DAY_MS = 86_400_000


class Cumulative:
    """Attainments of each (outcome, unit) counted up to a day, by binary search (exact at the
    boundaries the day counts were read for, see OutcomeStore.attainment_days)."""

    def __init__(self, days: list[UnitDayCount]) -> None:
        grouped: dict[tuple[str, str], list[tuple[int, int]]] = defaultdict(list)
        for row in days:
            grouped[(row.outcome, row.unit)].append((row.day, row.count))
        self._days: dict[tuple[str, str], list[int]] = {}
        self._totals: dict[tuple[str, str], list[int]] = {}
        for key, rows in grouped.items():
            rows.sort()
            running, totals = 0, []
            for _, count in rows:
                running += count
                totals.append(running)
            self._days[key] = [day for day, _ in rows]
            self._totals[key] = totals

    def before(self, outcome: str, unit: str, end_ms: int) -> int:
        """Attainments of the outcome in the unit before the instant (a day boundary)."""
        days = self._days.get((outcome, unit))
        if not days:
            return 0
        index = bisect.bisect_left(days, end_ms // _DAY_MS)
        return self._totals[(outcome, unit)][index - 1] if index else 0


def rate(attained: int, headcount: int) -> float | None:
    return round(attained / headcount, 4) if headcount else None


def rate_series(
    cumulative: Cumulative,
    outcomes: list[str],
    headcounts: dict[str, int],
    periods: list[Period],
) -> list[dict[str, Any]]:
    """For every outcome, unit and period: headcount, attained by the end, new in it, rate."""
    rows = []
    for outcome in outcomes:
        for unit in sorted(headcounts):
            for period in periods:
                before = cumulative.before(outcome, unit, period.start_ms)
                attained = cumulative.before(outcome, unit, period.end_ms)
                rows.append(
                    {
                        "outcome": outcome,
                        "org_unit": unit,
                        "period": period.label,
                        "headcount": headcounts[unit],
                        "attained": attained,
                        "new": attained - before,
                        "rate": rate(attained, headcounts[unit]),
                    }
                )
    return rows


def series_periods(
    first_day: int | None, granularity: Granularity, since: Period | None, until: Period
) -> list[Period]:
    """Periods from `since` (or the period of the first attainment's day) through `until`."""
    if since is None:
        since = until if first_day is None else period_at(first_day * _DAY_MS, granularity)
    return periods_between(since, until) if since.start <= until.start else []


def boundary_days(instants_ms: Iterable[int]) -> list[int]:
    """The sorted distinct days of instants that fall on day boundaries (Cumulative's queries)."""
    return sorted({ms // _DAY_MS for ms in instants_ms})


def measured(observation: KpiObservation, lag: int) -> Period:
    """The period whose end the attainment rate next to a KPI observation is measured at."""
    return shift(parse_period(observation.period), -lag)


@dataclass(frozen=True, slots=True)
class KpiTable:
    rows: list[dict[str, Any]]
    correlations: list[dict[str, Any]]


def kpi_table(
    cumulative: Cumulative,
    links: list[tuple[str, str]],
    headcounts: dict[str, int],
    observations: list[KpiObservation],
    lag: int,
) -> KpiTable:
    """Attainment rate (at the end of the period `lag` periods earlier) next to each KPI value."""
    by_kpi: dict[str, list[KpiObservation]] = defaultdict(list)
    for observation in observations:
        by_kpi[observation.kpi].append(observation)
    rows: list[dict[str, Any]] = []
    correlations: list[dict[str, Any]] = []
    for outcome, kpi in links:
        pairs: list[tuple[float, float]] = []
        for observation in by_kpi.get(kpi, []):
            headcount = headcounts.get(observation.org_unit, 0)
            at = measured(observation, lag)
            attained = cumulative.before(outcome, observation.org_unit, at.end_ms)
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
        correlations.append(
            {"outcome": outcome, "kpi": kpi, "n": len(pairs), "pearson_r": pearson(pairs)}
        )
    return KpiTable(rows, correlations)


def pearson(pairs: list[tuple[float, float]]) -> float | None:
    """Pearson's r across (rate, KPI) cells; None below 3 cells or without variation."""
    if len(pairs) < 3:
        return None
    try:
        value = statistics.correlation([x for x, _ in pairs], [y for _, y in pairs])
    except statistics.StatisticsError:
        return None
    return round(value, 4) if math.isfinite(value) else None

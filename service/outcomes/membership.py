"""Who was in which org unit during which period, counted from the store's roster stints.

A period's members are the learners with a stint in the unit overlapping the period; of
them, those who attained before the period's start and before its end. Periods start and
end on UTC day boundaries, so a stint's attainment day decides both exactly. Vectorised over
stints x periods (numpy), in chunks of periods to bound memory.
"""

from __future__ import annotations

import numpy as np

from service.model.outcomes import PeriodSpan, UnitPeriodCount, UnitRange, UnitSpan
from service.outcomes.aggregate import UnitCounts
from service.store.ports import OutcomeReportStore

DAY_MS = 86_400_000
MAX_CELLS = 4_000_000  # stints x periods handled at once


async def unit_counts(
    store: OutcomeReportStore,
    tenant: str,
    version: int,
    unit_field: str,
    outcomes: list[str],
    periods: list[PeriodSpan],
) -> UnitCounts:
    """Members and attainments per outcome, unit and period."""
    counts: list[UnitPeriodCount] = []
    for outcome in outcomes:
        spans = await store.unit_spans(tenant, version, unit_field, outcome)
        counts.extend(count_periods(spans, outcome, periods))
    return UnitCounts(counts)


def count_periods(
    spans: list[UnitSpan], outcome: str, periods: list[PeriodSpan]
) -> list[UnitPeriodCount]:
    """The counts of one outcome, for every unit and period with members."""
    if not spans or not periods:
        return []
    spans = sorted(spans, key=lambda s: s.unit)
    units = [s.unit for s in spans]
    firsts = [i for i in range(len(units)) if i == 0 or units[i] != units[i - 1]]
    start = np.array([s.from_ms for s in spans], dtype=np.float64)[:, None]
    end = np.array([np.inf if s.to_ms is None else s.to_ms for s in spans])[:, None]
    attained = np.array(
        [np.inf if s.attained_day is None else s.attained_day * DAY_MS for s in spans]
    )[:, None]
    weight = np.array([s.count for s in spans], dtype=np.int64)[:, None]
    out: list[UnitPeriodCount] = []
    step = max(1, MAX_CELLS // len(spans))
    for low in range(0, len(periods), step):
        chunk = periods[low : low + step]
        begins = np.array([p.start_ms for p in chunk], dtype=np.float64)[None, :]
        ends = np.array([p.end_ms for p in chunk], dtype=np.float64)[None, :]
        inside = (start < ends) & (end > begins)
        members = np.add.reduceat(inside * weight, firsts, axis=0)
        by_end = np.add.reduceat((inside & (attained < ends)) * weight, firsts, axis=0)
        by_start = np.add.reduceat((inside & (attained < begins)) * weight, firsts, axis=0)
        for row, first in enumerate(firsts):
            for column, period in enumerate(chunk):
                if members[row, column]:
                    out.append(
                        UnitPeriodCount(
                            outcome,
                            units[first],
                            period.label,
                            int(members[row, column]),
                            int(by_start[row, column]),
                            int(by_end[row, column]),
                        )
                    )
    return out


def units_in(ranges: list[UnitRange], periods: list[PeriodSpan]) -> dict[str, set[str]]:
    """Per period label, the units anyone was in during the period."""
    found: dict[str, set[str]] = {period.label: set() for period in periods}
    for unit_range in ranges:
        for period in periods:
            until = unit_range.to_ms
            if unit_range.from_ms < period.end_ms and (until is None or until > period.start_ms):
                found[period.label].add(unit_range.unit)
    return found

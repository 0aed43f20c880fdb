"""The pre-period check of an impact estimate: does the KPI already move with the attainment
of the following period? (a lead, or placebo-in-time, test)

If units that are about to train already differ in how their KPI moves (they train because
they are doing well, or people anticipate the programme), the parallel-trends assumption
fails. The check regresses each period's KPI on the next period's attainment rate, holding
this period's rate fixed, with the same fixed effects, weights and interval as the estimate;
under the assumption the coefficient is zero.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from service.outcomes.impact import Estimate, Panel, estimate
from service.outcomes.periods import Period, shift


@dataclass(frozen=True, slots=True)
class Cell:
    unit: str
    period: Period
    kpi: float
    headcount: int
    rate: float


def lead_check(cells: list[Cell], min_units: int, min_periods: int) -> dict[str, Any]:
    """The check's estimate, interval and verdict (`passed` None when it cannot be run)."""
    by_key = {(c.unit, c.period.label): c for c in cells}
    pairs = [
        (cell, later)
        for cell in cells
        if (later := by_key.get((cell.unit, shift(cell.period, 1).label))) is not None
    ]
    counts: dict[str, int] = {}
    for cell, _ in pairs:
        counts[cell.unit] = counts.get(cell.unit, 0) + 1
    pairs = [(cell, later) for cell, later in pairs if counts[cell.unit] >= 2]
    units = sorted({cell.unit for cell, _ in pairs})
    labels = sorted({cell.period.label for cell, _ in pairs})
    result: Estimate | None = None
    if len(units) >= min_units and len(labels) >= min_periods:
        unit_index = {u: i for i, u in enumerate(units)}
        period_index = {label: i for i, label in enumerate(labels)}
        panel = Panel(
            unit=np.array([unit_index[c.unit] for c, _ in pairs], dtype=np.intp),
            period=np.array([period_index[c.period.label] for c, _ in pairs], dtype=np.intp),
            kpi=np.array([c.kpi for c, _ in pairs], dtype=np.float64),
            rate=np.array([later.rate for _, later in pairs], dtype=np.float64),
            weight=np.array([c.headcount for c, _ in pairs], dtype=np.float64),
        )
        current = np.array([c.rate for c, _ in pairs], dtype=np.float64)
        result = estimate(panel, controls=current)
    out: dict[str, Any] = {
        "name": "lead test (placebo in time)",
        "description": (
            "Does each period's KPI already move with the attainment of the following "
            "period, holding this period's attainment fixed? Under parallel trends it does "
            "not: the estimate is zero up to noise."
        ),
        "estimate": None,
        "ci_low": None,
        "ci_high": None,
        "passed": None,
    }
    if result is None:
        return out
    return {
        **out,
        "estimate": round(result.beta, 4),
        "ci_low": _bound(result.ci_low),
        "ci_high": _bound(result.ci_high),
        "passed": bool(result.ci_low <= 0 <= result.ci_high),
    }


def _bound(value: float) -> float | None:
    """An interval's end; None where the test rejects nothing on that side (unbounded)."""
    return round(value, 4) if np.isfinite(value) else None

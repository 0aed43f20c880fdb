"""The demo's world, generated from a stated model so estimates can be checked against it.

Org units of 6 to 18 people over MONTHS months. Most units roll the programme out at a
staggered month: from then on each person attains the outcome after a random delay; the
other units never start. Two KPIs per unit and month:

    revenue-per-rep = unit level + common trend + EFFECT x attainment rate + noise
    office-coffee   = unit level + common trend                          + noise  (placebo)

so the true effect of going from 0 to 100 % attainment is EFFECT kEUR on revenue per rep and
nothing on coffee. Noise is autocorrelated within a unit (AR(1)), as real KPIs are.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

YEAR = 2025  # the months are January to December of this year
UNITS = 12
NEVER = 4  # units that never start the programme
MONTHS = 12
EFFECT = 8.0  # kEUR per rep, going from no one to everyone having attained
NOISE = 2.0
TREND = 1.5  # kEUR per month, in every unit


@dataclass(frozen=True, slots=True)
class World:
    headcount: npt.NDArray[np.int64]  # per unit
    attained_month: list[npt.NDArray[np.float64]]  # per unit, per person: month or inf
    rate: npt.NDArray[np.float64]  # unit x month: attained by the month's end / headcount
    revenue: npt.NDArray[np.float64]  # unit x month
    coffee: npt.NDArray[np.float64]  # unit x month, the placebo


def generate(rng: np.random.Generator, units: int = UNITS, months: int = MONTHS) -> World:
    headcount = rng.integers(6, 19, size=units)
    start = rng.integers(1, months // 2 + 1, size=units).astype(float)
    start[rng.permutation(units)[:NEVER]] = np.inf
    attained = [
        s + rng.geometric(0.35, size=h) - 1.0 for s, h in zip(start, headcount, strict=True)
    ]
    months_idx = np.arange(months)
    rate = np.array([(a[:, None] <= months_idx[None, :]).mean(axis=0) for a in attained])
    level = rng.normal(100.0, 15.0, size=(units, 1))
    common = TREND * months_idx + rng.normal(0.0, 2.0, size=months)
    revenue = level + common + EFFECT * rate + _ar1(rng, units, months)
    coffee = level / 10 + common + _ar1(rng, units, months)
    return World(headcount, attained, rate, revenue, coffee)


def _ar1(
    rng: np.random.Generator, units: int, months: int, rho: float = 0.3
) -> npt.NDArray[np.float64]:
    shocks = rng.normal(0.0, NOISE, size=(units, months))
    out = np.empty_like(shocks)
    out[:, 0] = shocks[:, 0]
    for t in range(1, months):
        out[:, t] = rho * out[:, t - 1] + np.sqrt(1 - rho**2) * shocks[:, t]
    return out


UNIT_NAMES = [f"Sales {city}" for city in (
    "Berlin", "Hamburg", "Munich", "Vienna", "Zurich", "Paris", "Lyon", "Madrid", "Milan",
    "London", "Dublin", "Oslo", "Stockholm", "Warsaw", "Prague", "Lisbon",
)]  # fmt: skip
SMALL_UNIT = "Sales Pilot"  # 4 people: below the minimum group size, so never reported
ACADEMY = "https://academy.example.com/sales/products/"
PASSED = "http://adlnet.gov/expapi/verbs/passed"


def month_label(month: int) -> str:
    return f"{YEAR}-{month + 1:02d}"


def uploads(
    world: World, passes: int = 1, seed: int = 0
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """The roster, the statements (`passes` distinct module passes per attainment, the last
    on the 10th of its month) and the KPI rows of a world, plus a 4-person unit."""
    ids = np.random.default_rng(seed)
    roster, statements, kpis = [], [], []
    units = [*UNIT_NAMES[: len(world.headcount)], SMALL_UNIT]
    months = world.rate.shape[1]
    attained = [*world.attained_month, np.array([0.0, 1.0, np.inf, np.inf])]
    for index, (unit, people) in enumerate(zip(units, attained, strict=True)):
        slug = unit.lower().replace(" ", "-")
        for person, month in enumerate(people):
            learner = f"{slug}-{person}@example.com"
            roster.append({"learner": learner, "name": f"{unit} rep {person}", "department": unit})
            if not np.isfinite(month) or month >= months:
                continue
            for module in range(passes):
                day = 10 - (passes - 1 - module)
                statements.append(
                    _passed(ids, learner, module, f"{month_label(int(month))}-{day:02d}")
                )
        if unit == SMALL_UNIT:
            continue
        for month in range(months):
            for kpi, values in (
                ("revenue-per-rep", world.revenue),
                ("office-coffee", world.coffee),
            ):
                kpis.append(
                    {"kpi": kpi, "org_unit": unit, "period": month_label(month),
                     "value": round(float(values[index, month]), 2)}
                )  # fmt: skip
    for month in range(months):  # the small unit reports KPIs too; they are never shown
        kpis.append(
            {
                "kpi": "revenue-per-rep",
                "org_unit": SMALL_UNIT,
                "period": month_label(month),
                "value": 90.0,
            }
        )
    return roster, statements, kpis


def _passed(ids: np.random.Generator, learner: str, module: int, day: str) -> dict[str, Any]:
    return {
        "id": str(uuid.UUID(bytes=ids.bytes(16), version=4)),
        "actor": {"objectType": "Agent", "mbox": f"mailto:{learner}"},
        "verb": {"id": PASSED, "display": {"en-US": "passed"}},
        "object": {"objectType": "Activity", "id": f"{ACADEMY}{module}"},
        "result": {"score": {"scaled": 0.9}, "success": True},
        "timestamp": f"{day}T10:00:00Z",
    }

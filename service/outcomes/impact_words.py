"""What an impact estimate says in plain sentences: its method, its finding, its caveats."""

from __future__ import annotations

from typing import Any

from schemas.outcomes import Kpi
from service.outcomes.impact import Estimate

METHOD = "two-way fixed effects, headcount-weighted (difference-in-differences, continuous dose)"


def method(draws: int, seed: int) -> dict[str, str]:
    return {
        "name": METHOD,
        "interval": (
            f"95 % wild cluster bootstrap by org unit, restricted, inverted test (Webb weights, "
            f"{draws} draws, seed {seed}: the same data give the same interval)"
        ),
        "description": (
            "Compares how the KPI moved in org units whose attainment rose more or earlier with "
            "how it moved in the other units over the same periods. Differences between units "
            "that stay the same over time, and changes that hit every unit in a period (season, "
            "market, price lists), are removed first, so a KPI that simply rises everywhere "
            "does not count as an effect."
        ),
    }


def summary(result: Estimate, kpi: Kpi, words: dict[str, Any]) -> str:
    """One sentence a VP can read, and what it means given the KPI's direction."""
    unit = f" {words['unit']}" if words["unit"] else ""
    sentence = (
        f"Going from none to all of a unit's people having attained {words['outcome']} is "
        f"associated with a change of {result.beta:+.3g}{unit} in {words['kpi']} (95 % interval "
        f"{result.ci_low:+.3g} to {result.ci_high:+.3g}), comparing units whose attainment rose "
        f"more or earlier with the others in the same {words['granularity']}."
    )
    if result.ci_low <= 0 <= result.ci_high:
        return sentence + " The interval includes zero: the data are consistent with no effect."
    better = (result.beta > 0) == kpi.higher_is_better
    direction = "higher" if kpi.higher_is_better else "lower"
    verdict = "an improvement" if better else "a deterioration"
    return sentence + f" Since {direction} is better for this KPI, that is {verdict}."


def no_estimate(
    units: int, periods: int, min_units: int, min_periods: int, *, flat: bool = False
) -> str | None:
    """Why there is no estimate, or None when there may be one."""
    if units < min_units:
        return (
            f"No estimate: only {units} org unit{'s' if units != 1 else ''} have KPI values for "
            f"two or more periods with enough people; at least {min_units} are needed to compare "
            "units with each other."
        )
    if periods < min_periods:
        return (
            f"No estimate: KPI values cover only {periods} period{'s' if periods != 1 else ''}; "
            f"at least {min_periods} are needed to see units change over time."
        )
    if flat:
        return (
            "No estimate: attainment moved the same way in every unit, so no unit can serve as "
            "a comparison for another; the programme cannot be told apart from changes common "
            "to all units."
        )
    return None


def caveats(
    *,
    n_units: int,
    field: str,
    floor: int,
    lag: int,
    known_kpi: bool,
    suppressed: int,
    leaders: list[str],
    check: bool | None = None,
    estimated: bool = True,
) -> list[str]:
    """Plain sentences on what the estimate cannot rule out, and where it is thin; without
    an estimate, only what still describes the data (the check, the floor, what was left out)."""
    floor_words = (
        f"The unit of analysis is the org unit (by {field}), not the person; groups of fewer "
        f"than {floor} people were left out."
    )
    if not estimated:
        return [*_check_words(check), floor_words, *_left_out(suppressed)]
    out = [
        *_check_words(check),
        "This is an association, not proof that the programme caused it. It assumes that, "
        "without the programme, the KPI would have moved in parallel in every unit; anything "
        "else that started at the same time in the same units (a new manager, a pricing change, "
        "a reorganisation) is counted as the programme's effect.",
        "Units that trained earlier or more may differ from the others in ways that also move "
        "the KPI, for example teams that were already improving or chose to train because "
        "they were doing well.",
        "The estimate assumes each point of attainment moves the KPI by the same amount in "
        "every unit and period. If the effect grows over time, or differs between units that "
        "started at different times, a two-way fixed-effects estimate can be biased "
        "(Goodman-Bacon 2021).",
        floor_words,
    ]
    if n_units < 10:
        out.append(
            f"Only {n_units} org units inform the estimate: the interval is wide, and with so "
            "few units it is itself approximate."
        )
    if leaders:
        out.append(
            f"More than half of the comparison rests on {' and '.join(leaders)}: the estimate "
            "mostly reflects what happened there."
        )
    if lag == 0:
        out.append(
            "The attainment rate is measured at the end of the same period as the KPI; if the "
            "programme takes time to show, ask again with lag=1 or more."
        )
    if not known_kpi:
        out.append("The KPI is not in the current outcome map, so higher is assumed to be better.")
    return out + _left_out(suppressed)


def _left_out(suppressed: int) -> list[str]:
    if not suppressed:
        return []
    return [f"{suppressed} org units were left out entirely or in some periods (see suppressed)."]


def _check_words(passed: bool | None) -> list[str]:
    if passed is None:
        return [
            "The pre-period check (pre_trend_check) could not be run: too few units or "
            "consecutive periods, so whether units were on parallel paths before is unknown."
        ]
    if passed:
        return [
            "The pre-period check passed: KPIs did not already move with the next period's "
            "attainment. That supports, but cannot prove, the parallel-trends assumption below."
        ]
    return [
        "The pre-period check failed: KPIs already moved with the attainment of the following "
        "period, so units that trained were on different paths before; read the estimate as "
        "likely biased."
    ]

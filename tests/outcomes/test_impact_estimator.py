"""The impact estimator on data with a known truth: recovery, placebo, reproducibility."""

from __future__ import annotations

import numpy as np

from deploy.examples.planted import EFFECT, World, generate
from service.outcomes.impact import Panel, estimate, pearson_interval
from service.outcomes.impact_checks import Cell, lead_check
from service.outcomes.periods import parse_period, periods_between

SEEDS = range(100)


def panel(world: World, kpi: np.ndarray) -> Panel:
    units, months = world.rate.shape
    return Panel(
        unit=np.repeat(np.arange(units), months),
        period=np.tile(np.arange(months), units),
        kpi=kpi.ravel(),
        rate=world.rate.ravel(),
        weight=np.repeat(world.headcount.astype(float), months),
    )


def test_the_planted_effect_is_inside_the_interval_in_nine_seeds_of_ten() -> None:
    hits = 0
    for seed in SEEDS:
        world = generate(np.random.default_rng(seed))
        result = estimate(panel(world, world.revenue))
        assert result is not None
        hits += result.ci_low <= EFFECT <= result.ci_high
    assert hits >= 90, hits


def test_a_placebo_kpi_gets_an_interval_with_zero_in_nine_seeds_of_ten() -> None:
    covered = 0
    for seed in SEEDS:
        world = generate(np.random.default_rng(seed))
        result = estimate(panel(world, world.coffee))
        assert result is not None
        covered += result.ci_low <= 0 <= result.ci_high
    assert covered >= 90, covered


def test_a_kpi_rising_identically_everywhere_has_no_effect() -> None:
    world = generate(np.random.default_rng(1))
    same = np.tile(10.0 + np.arange(world.rate.shape[1]), (world.rate.shape[0], 1))
    result = estimate(panel(world, same))
    assert result is not None
    assert abs(result.beta) < 1e-9
    assert result.ci_low <= 0 <= result.ci_high
    naive = np.corrcoef(world.rate.ravel(), same.ravel())[0, 1]
    assert naive > 0.3  # what the plain correlation would have claimed


def test_the_estimate_equals_a_dummy_variable_regression_on_an_unbalanced_panel() -> None:
    rng = np.random.default_rng(5)
    world = generate(rng)
    full = panel(world, world.revenue)
    keep = rng.random(full.kpi.size) > 0.2
    part = Panel(
        full.unit[keep], full.period[keep], full.kpi[keep], full.rate[keep], full.weight[keep]
    )
    result = estimate(part)
    assert result is not None
    units, periods = part.n_units, part.n_periods
    design = np.column_stack(
        [part.rate, np.eye(units)[part.unit], np.eye(periods)[part.period][:, 1:]]
    )
    root = np.sqrt(part.weight)
    coef = np.linalg.lstsq(design * root[:, None], part.kpi * root, rcond=None)[0]
    assert abs(result.beta - coef[0]) < 1e-8
    residuals = part.kpi - design @ coef
    bread = np.linalg.pinv((design * part.weight[:, None]).T @ design)
    scores = np.zeros((units, design.shape[1]))
    np.add.at(scores, part.unit, (design * (part.weight * residuals)[:, None]))
    n, k = part.kpi.size, design.shape[1]
    factor = units / (units - 1) * (n - 1) / (n - k)
    clustered = factor * bread @ scores.T @ scores @ bread
    assert abs(result.se - np.sqrt(clustered[0, 0])) < 1e-8


def test_the_same_data_give_the_same_interval() -> None:
    world = generate(np.random.default_rng(3))
    first, second = (estimate(panel(world, world.revenue)) for _ in range(2))
    assert first is not None
    assert second is not None
    assert (first.ci_low, first.ci_high, first.p_value) == (
        second.ci_low, second.ci_high, second.p_value,
    )  # fmt: skip


def test_no_estimate_without_variation_beyond_the_fixed_effects() -> None:
    world = generate(np.random.default_rng(2))
    full = panel(world, world.revenue)
    flat = Panel(full.unit, full.period, full.kpi, np.zeros(full.kpi.size), full.weight)
    assert estimate(flat) is None


def test_pearson_interval_by_fisher_z() -> None:
    low, high = pearson_interval(0.5, 28) or (0.0, 0.0)
    assert (round(low, 3), round(high, 3)) == (0.156, 0.736)
    assert pearson_interval(0.48, 3) is None


def cells(world: World, kpi: np.ndarray) -> list[Cell]:
    months = periods_between(parse_period("2025-01"), parse_period("2025-12"))
    return [
        Cell(f"u{u}", period, float(kpi[u, t]), int(world.headcount[u]), float(world.rate[u, t]))
        for u in range(world.rate.shape[0])
        for t, period in enumerate(months)
    ]


def test_the_pre_period_check_passes_under_parallel_trends_and_catches_anticipation() -> None:
    passed = caught = 0
    for seed in range(50):
        world = generate(np.random.default_rng(seed))
        passed += lead_check(cells(world, world.revenue), 4, 3)["passed"] is True
        ahead = np.concatenate([world.rate[:, 1:], world.rate[:, -1:]], axis=1)
        moved_early = world.coffee + EFFECT * ahead  # the KPI moves a period before training
        caught += lead_check(cells(world, moved_early), 4, 3)["passed"] is False
    assert passed >= 45, passed
    assert caught >= 35, caught

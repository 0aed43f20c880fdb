"""Two-way fixed-effects estimate of a KPI's response to an attainment rate, with a wild
cluster bootstrap interval (numpy only; no request-sized loops in Python).

Model, for org unit i and period t, weighted by headcount w_it:

    kpi_it = a_i + g_t + beta * rate_it + e_it

a_i absorbs fixed differences between units, g_t shocks common to every unit in a period, so
beta is identified only by units whose attainment rose more or earlier than others'
(difference-in-differences with a continuous dose). beta is computed by Frisch-Waugh-Lovell:
the rate's residual after both sets of fixed effects, r, gives beta = sum(w r kpi) /
sum(w r^2). Errors are clustered by unit (CR1). The interval is a symmetric percentile-t
wild cluster bootstrap (Cameron, Gelbach & Miller 2008) with Webb's six-point weights, which
behave where there are few clusters (Webb 2014; MacKinnon & Webb 2018). Every bootstrap
draw's score is linear in the cluster weights, so all draws are one G x G matrix product.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.intp]
DRAWS = 9999
SEED = 17
WEBB = np.sqrt(np.array([0.5, 1.0, 1.5]))
WEBB_WEIGHTS = np.concatenate([-WEBB, WEBB])


@dataclass(frozen=True, slots=True)
class Panel:
    """Cells of a panel: unit and period indices (0..G-1, 0..T-1), KPI, rate, weight."""

    unit: Ints
    period: Ints
    kpi: Floats
    rate: Floats
    weight: Floats

    @property
    def n_units(self) -> int:
        return int(self.unit.max()) + 1 if self.unit.size else 0

    @property
    def n_periods(self) -> int:
        return int(self.period.max()) + 1 if self.period.size else 0


@dataclass(frozen=True, slots=True)
class Estimate:
    """beta with its clustered standard error, 95 % interval and bootstrap p-value; `shares`
    is each unit's part of the identifying variation (sum of w r^2), summing to 1."""

    beta: float
    se: float
    ci_low: float
    ci_high: float
    p_value: float
    shares: Floats


class FixedEffects:
    """The weighted projection onto unit and period dummies, via the (G+T)-square normal
    equations (pseudo-inverted: the dummies are collinear by one)."""

    def __init__(self, panel: Panel) -> None:
        self._unit, self._period = panel.unit, panel.period
        self._w = panel.weight
        self._g = panel.n_units
        size = self._g + panel.n_periods
        gram = np.zeros((size, size))
        np.add.at(gram, (self._unit, self._unit), self._w)
        np.add.at(gram, (self._g + self._period, self._g + self._period), self._w)
        np.add.at(gram, (self._unit, self._g + self._period), self._w)
        np.add.at(gram, (self._g + self._period, self._unit), self._w)
        self._inverse = np.linalg.pinv(gram)
        self._size = size

    def fitted(self, values: Floats) -> Floats:
        """The projection of each column of `values` (n, or n x m)."""
        matrix = values.reshape(len(values), -1)
        weighted = self._w[:, None] * matrix
        moments = np.zeros((self._size, matrix.shape[1]))
        np.add.at(moments, self._unit, weighted)
        np.add.at(moments, self._g + self._period, weighted)
        coef = self._inverse @ moments
        out: Floats = coef[self._unit] + coef[self._g + self._period]
        return out.reshape(values.shape)


class Projection:
    """The weighted projection onto the fixed effects and some control columns (by
    Frisch-Waugh-Lovell: the controls' residuals after the fixed effects are orthogonal to
    them, so the two projections add)."""

    def __init__(self, panel: Panel, controls: Floats | None) -> None:
        self._fe = FixedEffects(panel)
        self._w = panel.weight
        self.columns = 0
        self._resid: Floats | None = None
        if controls is not None and controls.size:
            matrix = controls.reshape(len(controls), -1)
            self._resid = matrix - self._fe.fitted(matrix)
            gram = self._resid.T @ (self._w[:, None] * self._resid)
            self._inverse = np.linalg.pinv(gram)
            self.columns = matrix.shape[1]

    def fitted(self, values: Floats) -> Floats:
        out = self._fe.fitted(values)
        if self._resid is None:
            return out
        matrix = values.reshape(len(values), -1)
        coef = self._inverse @ (self._resid.T @ (self._w[:, None] * matrix))
        extra: Floats = (self._resid @ coef).reshape(values.shape)
        return out + extra


def estimate(
    panel: Panel, draws: int = DRAWS, seed: int = SEED, controls: Floats | None = None
) -> Estimate | None:
    """beta and its interval (with `controls`, n or n x c, held fixed beside the fixed
    effects); None when the rate does not vary beyond them."""
    fe = Projection(panel, controls)
    w, units, g = panel.weight, panel.unit, panel.n_units
    resid_rate = panel.rate - fe.fitted(panel.rate)
    denominator = float(np.sum(w * resid_rate**2))
    if denominator <= 1e-12 * max(1.0, float(np.sum(w))):
        return None
    resid_kpi = panel.kpi - fe.fitted(panel.kpi)
    beta = float(np.sum(w * resid_rate * panel.kpi) / denominator)
    lever = w * resid_rate
    n, k = len(panel.kpi), g + panel.n_periods + fe.columns
    correction = g / (g - 1) * (n - 1) / max(n - k, 1)
    scores = np.bincount(units, lever * (resid_kpi - beta * resid_rate), minlength=g)
    se = float(np.sqrt(correction * np.sum(scores**2))) / denominator
    shares = _shares(units, w, resid_rate, g)
    scale = float(np.std(panel.kpi)) or 1.0
    if se <= 1e-9 * scale:  # the fixed effects and the rate explain the KPI exactly
        beta = 0.0 if abs(beta) <= 1e-9 * scale else beta
        return Estimate(beta, 0.0, beta, beta, 1.0 if beta == 0 else 0.0, shares)
    test = RestrictedBootstrap(fe, panel, resid_rate, resid_kpi, denominator, correction)
    weights = np.random.default_rng(seed).choice(WEBB_WEIGHTS, size=(g, draws))
    test.draw(weights)
    low = test.bound(beta, se, -1.0)
    high = test.bound(beta, se, 1.0)
    return Estimate(beta, se, low, high, test.p_value(0.0, beta, se), shares)


class RestrictedBootstrap:
    """The wild cluster bootstrap test of beta = b0 with the restriction imposed (WCR), for
    any b0 at once: restricted residuals are linear in b0, so each draw's statistic is a
    ratio of quadratics in b0 (Roodman, MacKinnon, Nielsen & Webb 2019). The interval is
    every b0 the test does not reject at 5 %."""

    def __init__(
        self,
        fe: Projection,
        panel: Panel,
        resid_rate: Floats,
        resid_kpi: Floats,
        denominator: float,
        correction: float,
    ) -> None:
        units, g, n = panel.unit, panel.n_units, len(panel.kpi)
        lever = panel.weight * resid_rate
        self._denominator, self._correction = denominator, correction
        # restricted residuals u(b0) = resid_kpi - b0 resid_rate; scores and kernels of each part
        self._score_kpi = np.bincount(units, lever * resid_kpi, minlength=g)
        self._score_rate = np.bincount(units, lever * resid_rate, minlength=g)
        kernels = []
        for part in (resid_kpi, resid_rate):
            masked = np.zeros((n, g))
            masked[np.arange(n), units] = part
            annihilated = masked - fe.fitted(masked)
            annihilated -= np.outer(resid_rate, lever @ masked / denominator)
            kernel = np.zeros((g, g))
            np.add.at(kernel, units, lever[:, None] * annihilated)
            kernels.append(kernel)
        self._kernel_kpi, self._kernel_rate = kernels
        self._parts: tuple[Floats, ...] = ()

    def draw(self, weights: Floats) -> None:
        """Fix the draws (G x B cluster weights) every test uses."""
        top_kpi, top_rate = self._score_kpi @ weights, self._score_rate @ weights
        spread_kpi, spread_rate = self._kernel_kpi @ weights, self._kernel_rate @ weights
        self._parts = (
            top_kpi,
            top_rate,
            np.sum(spread_kpi**2, axis=0),
            np.sum(spread_kpi * spread_rate, axis=0),
            np.sum(spread_rate**2, axis=0),
        )

    def p_value(self, b0: float, beta: float, se: float) -> float:
        """The share of draws whose |t| is at least the observed |t| under beta = b0."""
        top_kpi, top_rate, aa, ab, bb = self._parts
        numerator = (top_kpi - b0 * top_rate) / self._denominator
        variance = self._correction * (aa - 2 * b0 * ab + b0 * b0 * bb)
        spread = np.sqrt(np.maximum(variance, 0.0)) / self._denominator
        with np.errstate(divide="ignore", invalid="ignore"):
            t_stars = np.abs(numerator / spread)
        t_stars = np.where(spread > 0, t_stars, 0.0)
        observed = abs(beta - b0) / se
        return float((np.sum(t_stars >= observed) + 1) / (t_stars.size + 1))

    def bound(self, beta: float, se: float, side: float) -> float:
        """The interval's end on one side of beta: bracket, then bisect where p crosses 5 %."""
        inside, step = beta, se
        outside = beta + side * step
        while self.p_value(outside, beta, se) > 0.05:
            inside, step = outside, step * 2
            if step > 1e6 * se:
                return side * float("inf")
            outside = beta + side * step
        for _ in range(60):
            middle = (inside + outside) / 2
            if self.p_value(middle, beta, se) > 0.05:
                inside = middle
            else:
                outside = middle
            if abs(outside - inside) <= 1e-3 * se:
                break
        return (inside + outside) / 2


def _shares(units: Ints, w: Floats, resid_rate: Floats, g: int) -> Floats:
    parts = np.bincount(units, w * resid_rate**2, minlength=g)
    total = float(parts.sum())
    out: Floats = parts / total if total > 0 else parts.astype(np.float64)
    return out


def pearson_interval(r: float, n: int) -> tuple[float, float] | None:
    """A 95 % interval for Pearson's r by Fisher's z (None below 4 pairs or at |r| = 1)."""
    if n < 4 or abs(r) >= 1:
        return None
    z, spread = float(np.arctanh(r)), 1.959964 / float(np.sqrt(n - 3))
    return float(np.tanh(z - spread)), float(np.tanh(z + spread))

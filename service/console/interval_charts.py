"""Estimates with their intervals as SVG geometry (a point on a bar, against a zero line),
computed here and drawn by a template: no script, prints well."""

from __future__ import annotations

import math
from dataclasses import dataclass

WIDTH = 480
LEFT, RIGHT = 112, 20  # the left margin holds each row's label
TOP, ROW, BOTTOM = 8, 40, 30
CAP = 7  # half the height of the bar's end caps


@dataclass(frozen=True, slots=True)
class Interval:
    """One row to draw: an estimate with its 95 % interval (None: unbounded on that side)."""

    label: str
    estimate: float
    low: float | None
    high: float | None


@dataclass(frozen=True, slots=True)
class DrawnRow:
    label: list[str]  # one or two lines, so a long label fits the margin at a phone's size
    css: str
    y: float
    x: float  # the estimate
    x_low: float
    x_high: float
    caps: list[float]  # x of each bounded end's cap
    arrows: list[str]  # SVG polygon points at each unbounded end
    text: str  # the row's numbers, for the point's <title>


@dataclass(frozen=True, slots=True)
class Tick:
    at: float
    label: str


@dataclass(frozen=True, slots=True)
class IntervalChart:
    width: int
    height: int
    left: int
    right: int
    top: int
    bottom: int
    cap: int  # half a cap's height
    zero: float  # x of the zero line
    rows: list[DrawnRow]
    ticks: list[Tick]


def interval_chart(rows: list[Interval], unit: str = "") -> IntervalChart:
    """Rows on one horizontal scale that always includes zero, with round-number ticks."""
    values = [0.0] + [v for r in rows for v in (r.estimate, r.low, r.high) if v is not None]
    low, high, step = _nice_range(min(values), max(values))
    plot_w = WIDTH - LEFT - RIGHT
    height = TOP + ROW * len(rows) + BOTTOM

    def x(value: float) -> float:
        return round(LEFT + plot_w * (value - low) / (high - low), 1)

    count = round((high - low) / step)
    ticks = [Tick(x(low + k * step), _number(low + k * step)) for k in range(count + 1)]
    suffix = f" {unit}" if unit else ""
    drawn = []
    for n, row in enumerate(rows):
        y = TOP + ROW * n + ROW / 2
        x_low = x(low) if row.low is None else x(row.low)
        x_high = x(high) if row.high is None else x(row.high)
        bounds = f"{_bound(row.low)} to {_bound(row.high)}"
        drawn.append(
            DrawnRow(
                label=_lines(row.label),
                css=f"r{n}",
                y=y,
                x=x(row.estimate),
                x_low=x_low,
                x_high=x_high,
                caps=[end for end, v in ((x_low, row.low), (x_high, row.high)) if v is not None],
                arrows=[
                    _arrow(end, y, side)
                    for end, v, side in ((x_low, row.low, -1), (x_high, row.high, 1))
                    if v is None
                ],
                text=f"{row.label}: {row.estimate:+.3g}{suffix} (95 % interval {bounds})",
            )
        )
    return IntervalChart(WIDTH, height, LEFT, RIGHT, TOP, BOTTOM, CAP, x(0.0), drawn, ticks)


def _lines(label: str) -> list[str]:
    """A label of more than one word split at its middlemost space."""
    spaces = [i for i, c in enumerate(label) if c == " "]
    if len(label) <= 10 or not spaces:
        return [label]
    cut = min(spaces, key=lambda i: abs(len(label) / 2 - i))
    return [label[:cut], label[cut + 1 :]]


def _arrow(tip: float, y: float, side: int) -> str:
    """A head pointing off the chart, for an interval with no end on that side."""
    back = tip - side * CAP
    return f"{tip},{y} {back},{y - CAP} {back},{y + CAP}"


def _nice_range(low: float, high: float) -> tuple[float, float, float]:
    """Round-number ends around both values, and the step between the ticks (3 to 6 ticks)."""
    span = high - low
    if span <= 0:
        span = abs(high) or 1.0
    step = _nice_step(span / 4)
    start = math.floor(low / step) * step
    end = math.ceil(high / step) * step
    return start, max(end, start + step), step


def _nice_step(raw: float) -> float:
    """The first of 1, 2, 2.5, 5 or 10 times a power of ten at or above `raw`."""
    power = 10.0 ** math.floor(math.log10(raw))
    return next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw * (1 - 1e-9))


def _number(value: float) -> str:
    rounded = round(value, 6)
    return f"{0.0 if rounded == 0 else rounded:,.6g}"


def _bound(value: float | None) -> str:
    return "unbounded" if value is None else f"{value:+.3g}"

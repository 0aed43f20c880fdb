"""Line charts as SVG geometry, computed here and drawn by a template: no script, prints well."""

from __future__ import annotations

import math
from dataclasses import dataclass

WIDTH, HEIGHT = 960, 320
LEFT, RIGHT, TOP, BOTTOM = 48, 32, 12, 40
COLOURS = 8


@dataclass(frozen=True, slots=True)
class Series:
    label: str
    css: str  # the colour class
    points: str  # SVG polyline points
    dots: list[tuple[float, float, str]]  # x, y and the value's text (a <title> per dot)


@dataclass(frozen=True, slots=True)
class Tick:
    at: float
    label: str


@dataclass(frozen=True, slots=True)
class LineChart:
    width: int
    height: int
    series: list[Series]
    x_ticks: list[Tick]
    y_ticks: list[Tick]
    left: int
    right: int
    top: int
    bottom: int


def line_chart(
    periods: list[str], series: dict[str, list[float | None]], *, percent: bool = True
) -> LineChart:
    """One line per series over the periods; y from 0 to 1 (a rate) or 0 to the largest value."""
    largest = max([v for vs in series.values() for v in vs if v] or [1.0])
    top_value = 1.0 if percent else float(math.ceil(largest / 4) * 4)  # whole-number ticks
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = plot_w / max(1, len(periods) - 1)

    def x(i: int) -> float:
        return round(LEFT + i * step if len(periods) > 1 else LEFT + plot_w / 2, 1)

    def y(value: float) -> float:
        return round(TOP + plot_h - plot_h * value / top_value, 1)

    drawn = []
    for n, (label, values) in enumerate(series.items()):
        dots = [
            (x(i), y(v), f"{label}, {periods[i]}: {_text(v, percent)}")
            for i, v in enumerate(values)
            if v is not None
        ]
        points = " ".join(f"{px},{py}" for px, py, _ in dots)
        drawn.append(Series(label, f"c{n % COLOURS}", points, dots))
    every = max(1, len(periods) // 8)
    x_ticks = [Tick(x(i), p) for i, p in enumerate(periods) if i % every == 0]
    y_ticks = [Tick(y(top_value * k / 4), _text(top_value * k / 4, percent)) for k in range(5)]
    return LineChart(WIDTH, HEIGHT, drawn, x_ticks, y_ticks, LEFT, RIGHT, TOP, BOTTOM)


def _text(value: float, percent: bool) -> str:
    return f"{value * 100:.0f}%" if percent else f"{value:g}"

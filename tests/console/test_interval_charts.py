"""The interval chart's geometry: zero always on the scale, bars where their numbers are."""

from __future__ import annotations

from service.console.interval_charts import Interval, interval_chart


def test_an_interval_away_from_zero_is_drawn_beside_the_zero_line() -> None:
    chart = interval_chart([Interval("Estimate", 6.56, 4.09, 9.4)], "kEUR")
    row = chart.rows[0]
    assert [t.label for t in chart.ticks] == ["0", "2.5", "5", "7.5", "10"]
    assert chart.zero == chart.left
    assert chart.zero < row.x_low < row.x < row.x_high <= chart.width - chart.right
    assert row.caps == [row.x_low, row.x_high]
    assert row.text == "Estimate: +6.56 kEUR (95 % interval +4.09 to +9.4)"


def test_an_interval_holding_zero_crosses_the_zero_line() -> None:
    chart = interval_chart([Interval("a", 0.33, -1.73, 2.43), Interval("b", 1.28, -5.54, 6.37)])
    assert [t.label for t in chart.ticks] == ["-10", "-5", "0", "5", "10"]
    for row in chart.rows:
        assert row.x_low < chart.zero < row.x_high
    assert chart.rows[0].y < chart.rows[1].y
    assert [r.label for r in chart.rows] == [["a"], ["b"]]
    long = interval_chart([Interval("Pre-period check", 1.0, 0.5, 1.5)])
    assert long.rows[0].label == ["Pre-period", "check"]  # two lines fit the margin


def test_an_unbounded_end_runs_off_the_chart_with_an_arrow() -> None:
    chart = interval_chart([Interval("a", -300.0, None, -10.0)])
    row = chart.rows[0]
    assert row.x_low == chart.left
    assert row.caps == [row.x_high]
    assert len(row.arrows) == 1
    assert "unbounded to -10" in row.text
    assert row.x_high < chart.zero == chart.width - chart.right

"""Reporting periods: labels such as 2026, 2026-Q1, 2026-03, 2026-W10, 2026-03-04 (UTC)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Literal

from service.model.clock import from_ms, to_ms

Granularity = Literal["day", "week", "month", "quarter", "year"]
GRANULARITIES: tuple[Granularity, ...] = ("day", "week", "month", "quarter", "year")
_PATTERNS: list[tuple[Granularity, re.Pattern[str]]] = [
    ("year", re.compile(r"(\d{4})")),
    ("quarter", re.compile(r"(\d{4})-Q([1-4])")),
    ("month", re.compile(r"(\d{4})-(\d{2})")),
    ("week", re.compile(r"(\d{4})-W(\d{2})")),
    ("day", re.compile(r"(\d{4})-(\d{2})-(\d{2})")),
]


@dataclass(frozen=True, slots=True)
class Period:
    """A labelled half-open interval [start_ms, end_ms)."""

    label: str
    granularity: Granularity
    start: date

    @property
    def end(self) -> date:
        return shift(self, 1).start

    @property
    def start_ms(self) -> int:
        return _date_ms(self.start)

    @property
    def end_ms(self) -> int:
        return _date_ms(self.end)


def parse_period(text: str) -> Period:
    """The period a label names; ValueError for anything else."""
    value = text.strip()
    for granularity, pattern in _PATTERNS:
        match = pattern.fullmatch(value)
        if match is None:
            continue
        parts = [int(g) for g in match.groups()]
        if granularity == "year":
            start = date(parts[0], 1, 1)
        elif granularity == "quarter":
            start = date(parts[0], 3 * parts[1] - 2, 1)
        elif granularity == "month":
            start = date(parts[0], parts[1], 1)
        elif granularity == "week":
            start = date.fromisocalendar(parts[0], parts[1], 1)
        else:
            start = date(parts[0], parts[1], parts[2])
        return period_of(start, granularity)
    raise ValueError(f"not a period (2026, 2026-Q1, 2026-03, 2026-W10 or 2026-03-04): {value!r}")


def period_of(day: date, granularity: Granularity) -> Period:
    """The period of this granularity that contains the day."""
    if granularity == "year":
        return Period(f"{day.year:04d}", granularity, date(day.year, 1, 1))
    if granularity == "quarter":
        quarter = (day.month - 1) // 3
        return Period(
            f"{day.year:04d}-Q{quarter + 1}", granularity, date(day.year, 3 * quarter + 1, 1)
        )
    if granularity == "month":
        return Period(f"{day.year:04d}-{day.month:02d}", granularity, day.replace(day=1))
    if granularity == "week":
        year, week, weekday = day.isocalendar()
        return Period(f"{year:04d}-W{week:02d}", granularity, day - timedelta(days=weekday - 1))
    return Period(day.isoformat(), granularity, day)


def period_at(ms: int, granularity: Granularity) -> Period:
    return period_of(from_ms(ms).date(), granularity)


def shift(period: Period, count: int) -> Period:
    """The period `count` steps later (earlier when negative)."""
    granularity, start = period.granularity, period.start
    if granularity in ("day", "week"):
        days = count * (7 if granularity == "week" else 1)
        return period_of(start + timedelta(days=days), granularity)
    months = count * {"month": 1, "quarter": 3, "year": 12}[granularity]
    index = start.year * 12 + start.month - 1 + months
    return period_of(date(index // 12, index % 12 + 1, 1), granularity)


def periods_between(first: Period, last: Period) -> list[Period]:
    """Consecutive periods from `first` to `last` inclusive."""
    out = [first]
    while out[-1].start < last.start:
        out.append(shift(out[-1], 1))
    return out


def _date_ms(day: date) -> int:
    return to_ms(datetime(day.year, day.month, day.day, tzinfo=UTC))

"""Retention policies: statements older than an ISO 8601 period, by `stored` or `timestamp`."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

from service.model.errors import BadRequestError

RetentionField = Literal["stored", "timestamp"]
_PERIOD = re.compile(r"^P(?:(\d{1,4})Y)?(?:(\d{1,5})M)?(?:(\d{1,5})W)?(?:(\d{1,6})D)?$")
MIN_DAYS = 1


@dataclass(frozen=True, slots=True)
class RetentionPolicy:
    """Delete a tenant's statements whose `field` is older than `period` (e.g. P3Y)."""

    period: str
    field: RetentionField = "stored"

    def cutoff_ms(self, now_ms: int) -> int:
        """Statements before this instant (ms) are past the period."""
        years, months, weeks, days = parse_period(self.period)
        now = datetime.fromtimestamp(now_ms / 1000, UTC)
        total_months = now.year * 12 + (now.month - 1) - (years * 12 + months)
        year, month = divmod(total_months, 12)
        day = min(now.day, calendar.monthrange(year, month + 1)[1])
        shifted = now.replace(year=year, month=month + 1, day=day)
        return int((shifted - timedelta(weeks=weeks, days=days)).timestamp() * 1000)


def parse_period(text: str) -> tuple[int, int, int, int]:
    """(years, months, weeks, days) of an ISO 8601 date period; 400 on anything else."""
    found = _PERIOD.match(text)
    if found is None or not any(found.groups()):
        raise BadRequestError(f"invalid period {text!r}: use ISO 8601 like P3Y, P18M or P90D")
    years, months, weeks, days = (int(part or 0) for part in found.groups())
    if years * 366 + months * 31 + weeks * 7 + days < MIN_DAYS:
        raise BadRequestError("a retention period must be at least one day")
    if years > 1000:
        raise BadRequestError("a retention period may be at most 1000 years")
    return years, months, weeks, days


@dataclass(frozen=True, slots=True)
class RetentionBatch:
    """What one deletion step removed; `statement_ids` are recorded as tombstones."""

    statement_ids: list[str]
    outbox_deleted: int = 0
    attachments_deleted: int = 0

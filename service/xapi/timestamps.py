"""Millisecond instants as the store keeps them, and their wire forms (SR-12, T-17)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def now_ms() -> int:
    return time.time_ns() // 1_000_000


def to_ms(instant: datetime) -> int:
    """Milliseconds since the epoch, truncating finer digits."""
    delta = instant - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1000 + delta.microseconds // 1000


def from_ms(ms: int) -> datetime:
    return _EPOCH + timedelta(milliseconds=ms)


def format_ms(ms: int) -> str:
    """`YYYY-MM-DDTHH:MM:SS.sssZ` in UTC with real milliseconds (SR-12)."""
    instant = from_ms(ms)
    return instant.strftime("%Y-%m-%dT%H:%M:%S.") + f"{instant.microsecond // 1000:03d}Z"


def http_date(ms: int) -> str:
    """RFC 7231 HTTP-date, truncated (never rounded) to whole seconds (T-17)."""
    return format_datetime(from_ms(ms - ms % 1000), usegmt=True)

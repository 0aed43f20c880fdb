"""The wire forms of stored millisecond instants (SR-12, T-17)."""

from __future__ import annotations

from email.utils import format_datetime

from service.model.clock import from_ms


def format_ms(ms: int) -> str:
    """`YYYY-MM-DDTHH:MM:SS.sssZ` in UTC with real milliseconds (SR-12)."""
    instant = from_ms(ms)
    return instant.strftime("%Y-%m-%dT%H:%M:%S.") + f"{instant.microsecond // 1000:03d}Z"


def http_date(ms: int) -> str:
    """RFC 7231 HTTP-date, truncated (never rounded) to whole seconds (T-17)."""
    return format_datetime(from_ms(ms - ms % 1000), usegmt=True)

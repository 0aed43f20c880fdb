"""Durations as operators type them: `30m`, `12h`, `7d`, `3y` (rotation overlaps, ages)."""

from __future__ import annotations

import re

from service.model.errors import BadRequestError

UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "y": 365 * 86400}
_DURATION = re.compile(r"^(\d{1,7})([smhdy])$")


def parse_duration(text: str, *, what: str, ceiling_seconds: int) -> int:
    """Seconds from a number and a unit (s, m, h, d, y = 365 d); 400 naming `what` otherwise."""
    found = _DURATION.match(text.strip())
    if found is None:
        raise BadRequestError(f"invalid {what} {text!r}: use a number and s, m, h, d or y (7d)")
    seconds = int(found.group(1)) * UNITS[found.group(2)]
    if seconds > ceiling_seconds:
        raise BadRequestError(f"{what} may be at most {ceiling_seconds // 86400} days")
    return seconds

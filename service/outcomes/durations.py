"""ISO 8601 durations as milliseconds, for result.duration and window spans (V-13)."""

from __future__ import annotations

from service.xapi.equivalence import DURATION_PARTS

_UNIT_MS = {
    "Y": 365 * 86_400_000,
    "Mo": 30 * 86_400_000,
    "W": 7 * 86_400_000,
    "D": 86_400_000,
    "H": 3_600_000,
    "Mi": 60_000,
    "S": 1000,
}


def duration_ms(value: str) -> int | None:
    """Milliseconds of a duration (a year is 365 days, a month 30); None when malformed."""
    match = DURATION_PARTS.fullmatch(value)
    if match is None or value.endswith(("P", "T")):
        return None
    total = 0.0
    for unit, amount in match.groupdict().items():
        if amount:
            total += float(amount.replace(",", ".")) * _UNIT_MS[unit]
    return int(total)

"""Rotation with overlap: how long a rotated-out secret stays valid, and who still uses it."""

from __future__ import annotations

import logging
import re
import time

from service.model.errors import BadRequestError
from service.ops.logging import log_event

log = logging.getLogger("service.auth")
MAX_OVERLAP_SECONDS = 90 * 86400
LOG_EVERY_SECONDS = 60.0
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_DURATION = re.compile(r"^(\d{1,7})([smhd])$")


def parse_overlap(text: str | None) -> int:
    """Seconds from `30m`, `12h`, `7d` (or `0`); 400 on anything else or beyond 90 days."""
    if text is None or text.strip() in ("", "0"):
        return 0
    found = _DURATION.match(text.strip())
    if found is None:
        raise BadRequestError(f"invalid overlap {text!r}: use a number and s, m, h or d (7d)")
    seconds = int(found.group(1)) * _UNITS[found.group(2)]
    if seconds > MAX_OVERLAP_SECONDS:
        raise BadRequestError("an overlap may last at most 90 days")
    return seconds


class PreviousSecretLog:
    """Logs the uses of rotated-out secrets: one line per credential at most every minute,
    with the count since its last line, so IT sees which platform still sends the old one."""

    def __init__(self, every_seconds: float = LOG_EVERY_SECONDS) -> None:
        self._every = every_seconds
        self._pending: dict[str, int] = {}
        self._logged: dict[str, float] = {}

    def used(self, tenant: str, key: str) -> None:
        self._pending[key] = self._pending.get(key, 0) + 1
        now = time.monotonic()
        if now - self._logged.get(key, float("-inf")) < self._every:
            return
        self._logged[key] = now
        uses = self._pending.pop(key)
        log_event(
            log,
            "credential.previous_secret_used",
            level=logging.WARNING,
            tenant=tenant,
            credential=key,
            uses=uses,
        )

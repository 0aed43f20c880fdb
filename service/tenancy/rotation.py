"""Rotation with overlap: how long a rotated-out secret stays valid, and who still uses it."""

from __future__ import annotations

import logging
import time

from service.model.durations import parse_duration
from service.ops.logging import log_event

log = logging.getLogger("service.auth")
MAX_OVERLAP_SECONDS = 90 * 86400
LOG_EVERY_SECONDS = 60.0


def parse_overlap(text: str | None) -> int:
    """Seconds from `30m`, `12h`, `7d` (or `0`); 400 on anything else or beyond 90 days."""
    if text is None or text.strip() in ("", "0"):
        return 0
    return parse_duration(text, what="overlap", ceiling_seconds=MAX_OVERLAP_SECONDS)


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

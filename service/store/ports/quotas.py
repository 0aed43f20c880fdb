"""Quotas shared by every process on one store: a request-rate counter per credential."""

from __future__ import annotations

from typing import Protocol


class QuotaStore(Protocol):
    """One GCRA state (the theoretical arrival time) per key, changed atomically in the store.

    A request is admitted when the key's arrival time is at most `tolerance_ms` ahead of
    `now_ms`; it then moves `interval_ms` further. That is a token bucket of rate
    1000 / `interval_ms` per second and capacity `tolerance_ms / interval_ms + 1`, held for all
    processes at once.
    """

    async def take(self, key: str, now_ms: float, interval_ms: float, tolerance_ms: float) -> float:
        """0 when one request is admitted; otherwise the milliseconds until one would be."""
        ...

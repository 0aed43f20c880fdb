"""Per-credential request rate limiting: one budget per credential, kept in the store (shared by
every process serving it) or, when told so, as a token bucket in this process's memory."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from service.model.errors import TooManyRequestsError
from service.model.tenancy import EffectiveLimits
from service.store.ports.quotas import QuotaStore


@dataclass(slots=True)
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    """Budgets keyed by credential; `check` takes one request or raises 429 with Retry-After.

    A rate of 0 is no quota: nothing is counted. With `shared`, the budget lives in the store
    and holds across every process and host using it (one store round trip per request of a
    credential with a quota); without, each process keeps its own token buckets, so N workers
    allow up to N times the configured rate.
    """

    def __init__(self, shared: QuotaStore | None = None) -> None:
        self._buckets: dict[str, _Bucket] = {}
        self._shared = shared

    async def check(self, key: str, limits: EffectiveLimits) -> None:
        """Consume one request of `key`'s budget; TooManyRequestsError when it is spent."""
        rate = limits.rate_per_second
        if rate <= 0:
            return
        if self._shared is None:
            self._check_here(key, limits)
            return
        interval_ms = 1000.0 / rate
        tolerance_ms = (max(limits.burst, 1) - 1) * interval_ms
        wait_ms = await self._shared.take(
            f"rate:{key}", time.time() * 1000.0, interval_ms, tolerance_ms
        )
        if wait_ms > 0:
            raise _refusal(rate, wait_ms / 1000.0)

    def _check_here(self, key: str, limits: EffectiveLimits) -> None:
        rate = limits.rate_per_second
        capacity = max(float(limits.burst), 1.0)
        now = time.monotonic()
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = _Bucket(tokens=capacity, updated=now)
        else:
            bucket.tokens = min(capacity, bucket.tokens + (now - bucket.updated) * rate)
            bucket.updated = now
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return
        raise _refusal(rate, (1.0 - bucket.tokens) / rate)

    def forget(self, key: str) -> None:
        """Drop a credential's bucket (after its limits changed)."""
        self._buckets.pop(key, None)


def _refusal(rate: float, wait_seconds: float) -> TooManyRequestsError:
    return TooManyRequestsError(
        f"rate limit of {rate:g} requests/s exceeded for this credential",
        retry_after=max(1, math.ceil(wait_seconds)),
    )

"""Per-credential request rate limiting: one token bucket per credential, in process memory."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from service.model.errors import TooManyRequestsError
from service.model.tenancy import EffectiveLimits


@dataclass(slots=True)
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    """Token buckets keyed by credential; `check` takes one token or raises 429 with Retry-After.

    A rate of 0 is no quota: nothing is counted. Each process keeps its own buckets, so N
    workers allow up to N times the configured rate.
    """

    def __init__(self) -> None:
        self._buckets: dict[str, _Bucket] = {}

    def check(self, key: str, limits: EffectiveLimits) -> None:
        """Consume one request of `key`'s budget; TooManyRequestsError when it is spent."""
        rate = limits.rate_per_second
        if rate <= 0:
            return
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
        wait = (1.0 - bucket.tokens) / rate
        raise TooManyRequestsError(
            f"rate limit of {rate:g} requests/s exceeded for this credential",
            retry_after=max(1, math.ceil(wait)),
        )

    def forget(self, key: str) -> None:
        """Drop a credential's bucket (after its limits changed)."""
        self._buckets.pop(key, None)

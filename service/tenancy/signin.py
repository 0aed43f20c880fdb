"""What a failed sign-in may cost: throttling per key and per address, bounded scrypt work.

Guessing is refused with 429 once a key or a client address has spent its failures; the
verifications that do run (one scrypt each) go through a small dedicated thread pool whose
queue is bounded, so sign-in attempts cannot take more than its threads' share of the CPU.
"""

from __future__ import annotations

import asyncio
import hashlib
import ipaddress
import math
import time
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Protocol, TypeVar

from service.model.errors import OVERLOAD_RETRY_AFTER, ServiceUnavailableError, TooManyRequestsError
from service.settings import SignInSettings

T = TypeVar("T")
THROTTLE_MEMORY = 10_000  # buckets kept per dimension; full (idle) ones are dropped first


class SignInObserver(Protocol):
    """Receives counts of refused and throttled sign-ins and of verifications run."""

    def sign_in_refused(self, reason: str) -> None: ...

    def sign_in_throttled(self, limit: str) -> None: ...

    def sign_in_verified(self, seconds: float) -> None: ...

    def previous_secret_used(self, tenant: str, key: str) -> None:
        """A request signed in with a rotated-out secret inside its overlap."""
        ...


@dataclass(slots=True)
class _Bucket:
    tokens: float
    updated: float


class FailureBuckets:
    """One token bucket of failed attempts per identity: `limit` at once, refilled over `window`.

    Memory is bounded: at most `memory` buckets, least recently used first out. A bucket that has
    refilled is the same as no bucket, so those go first; a bucket is only created by an attempt
    that runs a verification, and verifications are bounded per second, so live buckets are not
    pushed out by a flood of new identities within one window.
    """

    def __init__(self, limit: int, window_seconds: float, memory: int = THROTTLE_MEMORY) -> None:
        self.limit = limit
        self._rate = limit / window_seconds if limit > 0 else 0.0
        self._memory = memory
        self._buckets: OrderedDict[bytes, _Bucket] = OrderedDict()

    def __len__(self) -> int:
        return len(self._buckets)

    def wait(self, identity: bytes, now: float) -> float:
        """Seconds until `identity` may attempt again; 0 when it may now."""
        bucket = self._buckets.get(identity)
        if self.limit <= 0 or bucket is None:
            return 0.0
        tokens = self._tokens(bucket, now)
        return 0.0 if tokens >= 1.0 else (1.0 - tokens) / self._rate

    def take(self, identity: bytes, now: float) -> None:
        """Spend one attempt of `identity`."""
        if self.limit <= 0:
            return
        bucket = self._buckets.pop(identity, None)
        if bucket is None:
            self._make_room(now)
            bucket = _Bucket(float(self.limit), now)
        bucket.tokens = self._tokens(bucket, now) - 1.0
        bucket.updated = now
        self._buckets[identity] = bucket

    def give_back(self, identity: bytes, now: float) -> None:
        """Return the attempt of a sign-in that succeeded."""
        bucket = self._buckets.get(identity)
        if bucket is not None:
            bucket.tokens = min(float(self.limit), self._tokens(bucket, now) + 1.0)
            bucket.updated = now

    def _tokens(self, bucket: _Bucket, now: float) -> float:
        return min(float(self.limit), bucket.tokens + (now - bucket.updated) * self._rate)

    def _make_room(self, now: float) -> None:
        buckets = self._buckets
        while buckets:
            oldest = next(iter(buckets.values()))
            if len(buckets) < self._memory and self._tokens(oldest, now) < self.limit:
                return
            buckets.popitem(last=False)


@dataclass(frozen=True, slots=True)
class Attempt:
    """The identities one verification was charged to."""

    key: bytes
    address: bytes | None


class SignInThrottle:
    """Failed sign-ins per credential key and per client address; 429 beyond either limit.

    An attempt is charged before its verification runs (so concurrent guesses cannot overrun
    the limit) and given back when it succeeds. Unknown keys are counted exactly like existing
    ones, so a refusal says nothing about whether a key exists.
    """

    def __init__(self, *, per_key: int, per_address: int, window_seconds: float) -> None:
        self.keys = FailureBuckets(per_key, window_seconds)
        self.addresses = FailureBuckets(per_address, window_seconds)

    @classmethod
    def of(cls, settings: SignInSettings) -> SignInThrottle:
        return cls(
            per_key=settings.failures_per_key,
            per_address=settings.failures_per_address,
            window_seconds=settings.failure_window_seconds,
        )

    def begin(self, key: str, address: str | None) -> tuple[Attempt, str | None, float]:
        """Charge an attempt, or name the limit that refuses it and the seconds to wait."""
        now = time.monotonic()
        attempt = Attempt(_digest(key), address_identity(address))
        waits = [("key", self.keys.wait(attempt.key, now))]
        if attempt.address is not None:
            waits.append(("address", self.addresses.wait(attempt.address, now)))
        limit, wait = max(waits, key=lambda pair: pair[1])
        if wait > 0:
            return attempt, limit, wait
        self.keys.take(attempt.key, now)
        if attempt.address is not None:
            self.addresses.take(attempt.address, now)
        return attempt, None, 0.0

    def refund(self, attempt: Attempt) -> None:
        """Give back an attempt that did not fail (it succeeded, or no verification ran)."""
        now = time.monotonic()
        self.keys.give_back(attempt.key, now)
        if attempt.address is not None:
            self.addresses.give_back(attempt.address, now)


def throttled_error(wait: float) -> TooManyRequestsError:
    """The one answer to every throttled sign-in: it does not say which limit applied."""
    return TooManyRequestsError(
        "too many failed sign-in attempts; retry later", retry_after=max(1, math.ceil(wait))
    )


def address_identity(host: str | None) -> bytes | None:
    """The throttled identity of a client address: IPv4 whole, IPv6 by its /64 network.

    One IPv6 host usually holds a whole /64, so counting single addresses would not count it.
    """
    if not host:
        return None
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return _digest(host)
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is None:
            return _digest(str(ipaddress.IPv6Network((address, 64), strict=False)))
        return _digest(str(address.ipv4_mapped))
    return _digest(str(address))


def _digest(text: str) -> bytes:
    """A fixed-size identity: keys come from the request and may be long."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()


class VerificationPool:
    """Runs scrypt checks on `threads` threads; at most `queue` more wait, beyond that 503."""

    def __init__(self, threads: int, queue: int) -> None:
        self._threads = threads
        self._capacity = threads + queue
        self._admitted = 0
        self._executor: ThreadPoolExecutor | None = None

    @classmethod
    def of(cls, settings: SignInSettings) -> VerificationPool:
        return cls(settings.verify_threads, settings.verify_queue)

    async def run(self, check: Callable[[], T]) -> T:
        """`check()` on a pool thread; ServiceUnavailableError when the queue is full."""
        if self._admitted >= self._capacity:
            raise ServiceUnavailableError(
                "too many sign-ins being verified; retry later",
                retry_after=OVERLOAD_RETRY_AFTER,
                limit="signin",
            )
        if self._executor is None:
            self._executor = ThreadPoolExecutor(self._threads, thread_name_prefix="signin")
        self._admitted += 1
        try:
            return await asyncio.get_running_loop().run_in_executor(self._executor, check)
        finally:
            self._admitted -= 1

    async def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None

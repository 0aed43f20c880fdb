"""Admission control: how much work one process accepts at once (issue 9, bounded under overload).

Four budgets, all counted per process: requests in flight, write requests in flight (the work
waiting for the store's writer), declared request-body bytes in flight (what reading the bodies
may hold) and work bytes in flight: what the admitted bodies are estimated to cost once parsed,
held until the request is answered (for a write, until the store acknowledged it). A request
that does not fit is refused at once, before its body is read, or after waiting at most
`wait_seconds` for room. Once its body is read, a request's work estimate is settled to what the
text shows (`settle`): a body denser than guessed must find room for the difference.

Fair shares: one credential may hold at most half of the write slots and half of the work
budget, so it can never take every slot from the others (whatever it holds, one request of a
credential that holds nothing always fits its share).
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from dataclasses import dataclass, replace

REQUESTS = "requests"
WRITES = "writes"
BODY_BYTES = "body_bytes"
WORK_BYTES = "work_bytes"
CREDENTIAL_SHARE = "credential_share"
WRITE_REFUSALS = frozenset({WRITES, BODY_BYTES, WORK_BYTES, CREDENTIAL_SHARE})
STREAK_GAP_SECONDS = 1.0  # refusals further apart than this (Retry-After) end a saturation


@dataclass(frozen=True, slots=True)
class Limits:
    """The budgets; `body_bytes` and `work_bytes` always take one request, however large."""

    requests: int
    writes: int
    body_bytes: int
    work_bytes: int = 2**62
    wait_seconds: float = 0.0


@dataclass(frozen=True, slots=True)
class Ticket:
    """What one request will cost: a request slot, maybe a write slot, its body bytes, the
    estimated bytes of working memory, and whose credential it is (`key`)."""

    write: bool
    body_bytes: int
    work_bytes: int = 0
    key: str = ""


@dataclass(slots=True)
class _Held:
    writes: int = 0
    work_bytes: int = 0


class Admission:
    """Counts admitted work; `enter` admits a ticket or names the budget that is spent."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.requests = 0
        self.writes = 0
        self.body_bytes = 0
        self.work_bytes = 0
        self._held: dict[str, _Held] = {}
        self._waiters: deque[asyncio.Future[None]] = deque()
        self._streak_began: float | None = None
        self._last_write_refusal = 0.0

    def refusal(self, ticket: Ticket) -> str | None:
        """The budget this ticket would exceed now, or None when it fits."""
        limits = self.limits
        if self.requests >= limits.requests:
            return REQUESTS
        if ticket.write and self.writes >= limits.writes:
            return WRITES
        if _over(self.body_bytes, ticket.body_bytes, limits.body_bytes):
            return BODY_BYTES  # an empty budget always takes one request, however large
        if _over(self.work_bytes, ticket.work_bytes, limits.work_bytes):
            return WORK_BYTES
        held = self._held.get(ticket.key)
        if held is not None:
            if ticket.write and held.writes >= max(1, limits.writes // 2):
                return CREDENTIAL_SHARE
            if _over(held.work_bytes, ticket.work_bytes, limits.work_bytes // 2):
                return CREDENTIAL_SHARE
        return None

    def try_enter(self, ticket: Ticket) -> str | None:
        """Admit the ticket if it fits now; else the name of the spent budget."""
        refused = self.refusal(ticket)
        if refused is None:
            self.requests += 1
            self.writes += ticket.write
            self.body_bytes += ticket.body_bytes
            self._take(ticket.key, ticket.write, ticket.work_bytes)
        elif ticket.write and refused in WRITE_REFUSALS:
            self._note_write_refusal()
        return refused

    async def enter(self, ticket: Ticket) -> str | None:
        """Like `try_enter`, but waits up to `wait_seconds` for room (bounded: at most as many
        waiters as requests may run)."""
        refused = self.try_enter(ticket)
        wait = self.limits.wait_seconds
        if refused is None or wait <= 0 or len(self._waiters) >= self.limits.requests:
            return refused
        deadline = time.monotonic() + wait
        loop = asyncio.get_running_loop()
        while refused is not None:
            left = deadline - time.monotonic()
            if left <= 0:
                return refused
            waiter: asyncio.Future[None] = loop.create_future()
            self._waiters.append(waiter)
            try:
                await asyncio.wait_for(waiter, left)
            except TimeoutError:
                return self.try_enter(ticket)
            finally:
                if waiter in self._waiters:
                    self._waiters.remove(waiter)
            refused = self.try_enter(ticket)
        return None

    def settle(self, ticket: Ticket, work_bytes: int) -> Ticket | None:
        """The admitted `ticket` re-estimated at `work_bytes` (its body is read): the ticket to
        give back from now on, or None (nothing changed) when the extra does not fit."""
        extra = work_bytes - ticket.work_bytes
        if extra > 0:
            held = self._held.get(ticket.key)
            mine = held.work_bytes if held is not None else 0
            limit = self.limits.work_bytes
            alone = self.work_bytes == ticket.work_bytes  # the budget always takes one
            if not alone and (
                self.work_bytes + extra > limit
                or (mine != ticket.work_bytes and mine + extra > limit // 2)
            ):
                if ticket.write:
                    self._note_write_refusal()
                return None
        self._take(ticket.key, False, extra)
        if extra < 0:
            self._wake()
        return replace(ticket, work_bytes=work_bytes)

    def leave(self, ticket: Ticket) -> None:
        """Give back what an admitted ticket took; every waiter looks again, oldest first."""
        self.requests -= 1
        self.writes -= ticket.write
        self.body_bytes -= ticket.body_bytes
        self._take(ticket.key, -ticket.write, -ticket.work_bytes)
        self._wake()

    def saturated_seconds(self) -> float:
        """How long write requests have been refused without a pause of STREAK_GAP_SECONDS
        (0 when the last refusal is older than that)."""
        now = time.monotonic()
        if self._streak_began is None or now - self._last_write_refusal > STREAK_GAP_SECONDS:
            return 0.0
        return now - self._streak_began

    def _take(self, key: str, writes: int, work_bytes: int) -> None:
        self.work_bytes += work_bytes
        held = self._held.setdefault(key, _Held())
        held.writes += writes
        held.work_bytes += work_bytes
        if held.writes == 0 and held.work_bytes == 0:
            del self._held[key]

    def _note_write_refusal(self) -> None:
        now = time.monotonic()
        if self._streak_began is None or now - self._last_write_refusal > STREAK_GAP_SECONDS:
            self._streak_began = now
        self._last_write_refusal = now

    def _wake(self) -> None:
        waiters, self._waiters = self._waiters, deque()
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)


def _over(used: int, size: int, limit: int) -> bool:
    """Whether `size` more exceeds `limit`; an empty budget takes anything."""
    return bool(size and used and used + size > limit)

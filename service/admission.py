"""Admission control: how much work one process accepts at once (issue 9, bounded under overload).

Three budgets, all counted per process: requests in flight, write requests in flight (the work
waiting for the store's writer) and declared request-body bytes in flight (what reading the
bodies may hold in memory). A request that does not fit is refused at once, before its body is
read, or after waiting at most `wait_seconds` for room.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from dataclasses import dataclass

REQUESTS = "requests"
WRITES = "writes"
BODY_BYTES = "body_bytes"


@dataclass(frozen=True, slots=True)
class Limits:
    """The budgets; `body_bytes` is never less than one request may send, so one always fits."""

    requests: int
    writes: int
    body_bytes: int
    wait_seconds: float = 0.0


@dataclass(frozen=True, slots=True)
class Ticket:
    """What one request will cost: a request slot, maybe a write slot, and its body bytes."""

    write: bool
    body_bytes: int


class Admission:
    """Counts admitted work; `enter` admits a ticket or names the budget that is spent."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.requests = 0
        self.writes = 0
        self.body_bytes = 0
        self._waiters: deque[asyncio.Future[None]] = deque()

    def refusal(self, ticket: Ticket) -> str | None:
        """The budget this ticket would exceed now, or None when it fits."""
        limits = self.limits
        if self.requests >= limits.requests:
            return REQUESTS
        if ticket.write and self.writes >= limits.writes:
            return WRITES
        used, size = self.body_bytes, ticket.body_bytes
        if size and used and used + size > limits.body_bytes:
            return BODY_BYTES  # an empty budget always takes one request, however large
        return None

    def try_enter(self, ticket: Ticket) -> str | None:
        """Admit the ticket if it fits now; else the name of the spent budget."""
        refused = self.refusal(ticket)
        if refused is None:
            self.requests += 1
            self.writes += ticket.write
            self.body_bytes += ticket.body_bytes
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

    def leave(self, ticket: Ticket) -> None:
        """Give back what an admitted ticket took; every waiter looks again, oldest first."""
        self.requests -= 1
        self.writes -= ticket.write
        self.body_bytes -= ticket.body_bytes
        waiters, self._waiters = self._waiters, deque()
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)

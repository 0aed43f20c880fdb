"""This process's hold on a tenant's evaluation lease: who may evaluate the tenant's backlog.

Several processes (workers, hosts) share one store and each runs an outcome engine; only the
one holding the tenant's lease evaluates, so no statement is evaluated twice. The holder
renews once half the term has passed, by its own clock counted from before it asked (the
store's expiry is later). It starts a page only with more than half the term left, and before
the page commits confirms that it held the lease throughout (renewing it if half the term has
gone); a page whose lease lapsed or changed hands meanwhile is dropped, not committed. A
holder that dies stops renewing; another process takes the lease once it expires (or soon
after a holder stopping cleanly released it) and resumes after the last page committed.
"""

from __future__ import annotations

import logging
import os
import socket
import time
import uuid

from service.ops.logging import log_event
from service.store.ports import EvaluationLeaseStore

log = logging.getLogger("service.outcomes")
_FLOOR_SECONDS = 0.05  # ask again no sooner than this after a refusal


def holder_id() -> str:
    """A name no other engine uses, saying where it runs: host:pid:random."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def lease_name(tenant: str) -> str:
    return f"outcomes/{tenant}"


class LeaseLostError(Exception):
    """The lease was lost (or broken) while a page was evaluated: the page does not commit."""


class TenantLease:
    """Keeps (or waits for) one tenant's lease; with no lease store, always held."""

    def __init__(
        self, leases: EvaluationLeaseStore | None, tenant: str, holder: str, seconds: float
    ) -> None:
        self._leases = leases
        self.tenant = tenant
        self._holder = holder
        self._seconds = seconds
        self._valid_until = 0.0  # monotonic; the store's expiry is later
        self._retry_at = 0.0  # monotonic: when the other holder's term may be over
        self._look_at = 0.0  # monotonic: when to look whether it was released meanwhile
        self._generation: int | None = None
        self.taken_afresh = False  # set when a new tenure began: state read before is stale

    @property
    def held(self) -> bool:
        return self._leases is None or time.monotonic() < self._valid_until

    async def keep(self) -> bool:
        """True if this process may evaluate a page now: more than half the term is left,
        after renewing or taking the lease if needed; False while another process holds it."""
        if self._leases is None:
            return True
        sent = time.monotonic()
        if sent < self._valid_until - self._seconds / 2:
            return True
        if self._valid_until <= sent < self._retry_at and not await self._released(sent):
            return False
        lease = await self._leases.acquire_lease(
            lease_name(self.tenant), self._holder, round(self._seconds * 1000)
        )
        remaining = max(lease.remaining_ms / 1000, 0.0)
        if not lease.held_by(self._holder):
            if self._valid_until > sent:
                log_event(log, "outcomes.lease.lost", level=logging.WARNING, tenant=self.tenant)
            self._valid_until = 0.0
            self._retry_at = sent + max(remaining, _FLOOR_SECONDS)
            self._look_at = sent + self._seconds / 10
            return False
        self._valid_until = sent + min(remaining, self._seconds)
        self._retry_at = 0.0
        if lease.generation != self._generation:
            self._generation = lease.generation
            self.taken_afresh = True
            log_event(
                log,
                "outcomes.lease.taken",
                tenant=self.tenant,
                holder=self._holder,
                generation=lease.generation,
            )
        return True

    async def confirm(self) -> bool:
        """Right before a page commits: True if this process has held the lease without a
        break since the page started (renewing it if half the term has passed), so nobody
        else can have evaluated meanwhile; False means the page must not commit."""
        if self._leases is None:
            return True
        sent = time.monotonic()
        if sent < self._valid_until - self._seconds / 2:
            return True
        generation = self._generation
        return await self.keep() and self._generation == generation

    async def _released(self, now: float) -> bool:
        """Whether the other holder gave the lease up early (a clean stop); read at most
        every tenth of the term, so a waiting process takes over within that of a release."""
        if now < self._look_at or self._leases is None:
            return False
        self._look_at = now + self._seconds / 10
        current = await self._leases.read_lease(lease_name(self.tenant))
        return current is None or current.remaining_ms <= 0

    async def release(self) -> None:
        """Give the lease up (at a clean stop) so another process takes over at once."""
        if self._leases is not None and self._generation is not None:
            self._valid_until = 0.0
            await self._leases.release_lease(lease_name(self.tenant), self._holder)

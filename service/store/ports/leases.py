"""Leases shared by every process on one store: at most one holder per name at a time."""

from __future__ import annotations

from typing import Protocol

from service.model.leases import Lease


class EvaluationLeaseStore(Protocol):
    """Named leases with an expiry, taken and renewed by one atomic compare-and-set.

    A lease is free when it was never taken, was released, or has expired by the store's
    clock; a holder that dies simply stops renewing, and the lease is free `ttl_ms` after its
    last renewal. Not data: nothing copies leases from one store to another.
    """

    async def acquire_lease(self, name: str, holder: str, ttl_ms: int) -> Lease:
        """Take the lease for `holder` if it is free or already `holder`'s (a renewal), to
        expire `ttl_ms` from now; the lease as it stands afterwards: held by `holder` if taken,
        by its current holder if not."""
        ...

    async def release_lease(self, name: str, holder: str) -> None:
        """Give the lease up if `holder` holds it, so the next acquire by anyone succeeds."""
        ...

    async def read_lease(self, name: str) -> Lease | None:
        """The lease as it stands (expired ones too), or None if it was never taken."""
        ...

"""Counts and an order-independent checksum of record ids, per kind and tenant."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

_MASK = (1 << 64) - 1


@dataclass
class Tally:
    """How many ids, and the sum of their 64-bit SHA-256 prefixes (mod 2**64)."""

    count: int = 0
    checksum: int = 0

    def add(self, record_id: str) -> None:
        digest = hashlib.sha256(record_id.encode()).digest()
        self.count += 1
        self.checksum = (self.checksum + int.from_bytes(digest[:8], "big")) & _MASK


@dataclass
class Fingerprint:
    """Tallies of one store: per kind, per tenant."""

    kinds: dict[str, dict[str, Tally]] = field(default_factory=dict)

    def total(self, kind: str) -> int:
        return sum(t.count for t in self.kinds.get(kind, {}).values())

    async def take(self, kind: str, identities: AsyncIterator[tuple[str, str]]) -> None:
        tallies = self.kinds.setdefault(kind, {})
        async for tenant, record_id in identities:
            tallies.setdefault(tenant, Tally()).add(record_id)


def differences(source: Fingerprint, target: Fingerprint) -> list[str]:
    """Every kind and tenant whose count or checksum differs, as readable lines."""
    found = []
    for kind in sorted(set(source.kinds) | set(target.kinds)):
        ours, theirs = source.kinds.get(kind, {}), target.kinds.get(kind, {})
        for tenant in sorted(set(ours) | set(theirs)):
            a, b = ours.get(tenant, Tally()), theirs.get(tenant, Tally())
            if a != b:
                found.append(
                    f"{kind} of tenant {tenant!r}: source {a.count} (checksum {a.checksum:016x}),"
                    f" target {b.count} (checksum {b.checksum:016x})"
                )
    return found

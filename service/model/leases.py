"""A named lease: which process may do a piece of work that only one process at a time may do."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Lease:
    """The lease `name` as the store saw it when it answered.

    `remaining_ms` is the time left before it expires, by the store's clock (so processes on
    hosts whose clocks differ still agree); `generation` goes up each time a holder takes the
    lease afresh (first time, after an expiry or a release), never on a renewal, so a holder
    whose generation changed knows someone else may have worked meanwhile.
    """

    name: str
    holder: str
    remaining_ms: int
    generation: int

    def held_by(self, holder: str) -> bool:
        return self.holder == holder and self.remaining_ms > 0

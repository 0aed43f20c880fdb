"""The per-tenant (stored, seq) sequence shared by every service process (SR-12, SR-45, T-18).

One counter document per tenant hands out blocks of sequence numbers with a single atomic
`find_one_and_update`: `$inc` reserves `n` numbers and `$max` moves the tenant's `stored` clock
forward to this process's wall clock. Both come from the same document update, so across all
processes a larger `seq` never has a smaller `stored`: `since`/`until` are `seq` ranges and the
`more` cursor (the last `seq` returned) stays valid while others insert.
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from pymongo import ReturnDocument
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from service.model.clock import now_ms
from service.store.mongo.batches import counter_id, pending_entry, record_range
from service.store.mongo.client import Doc


async def bump(counters: AsyncCollection[Doc], name: str, update: Doc) -> Doc:
    """Apply an update to the counter document `name`, creating it; return it afterwards."""
    doc = await counters.find_one_and_update(
        {"_id": name}, update, upsert=True, return_document=ReturnDocument.AFTER
    )
    assert doc is not None  # upsert with AFTER always returns the document
    return doc


async def next_id(counters: AsyncCollection[Doc], name: str) -> int:
    """The next integer id of a kind of record (forwarding targets, erasures)."""
    try:
        doc = await bump(counters, name, {"$inc": {"seq": 1}})
    except DuplicateKeyError:  # created by another process at the same moment
        doc = await bump(counters, name, {"$inc": {"seq": 1}})
    return int(doc["seq"])


@dataclass(frozen=True, slots=True)
class Reservation:
    """`count` sequence numbers ending at `last_seq`, all stored at `stored_ms`; `counter` is
    the tenant's counter document right after the reservation (its batch markers included)."""

    last_seq: int
    count: int
    stored_ms: int
    counter: Doc = field(default_factory=dict)

    def seq(self, index: int) -> int:
        return self.last_seq - self.count + 1 + index


class SequenceAllocator:
    """Reserves sequence blocks and remembers which writes of this process are in flight."""

    def __init__(self, counters: AsyncCollection[Doc], *, lag_ms: int = 0) -> None:
        self._counters = counters
        self._lag_ms = lag_ms
        self._inflight: dict[int, int] = {}
        self._ids = itertools.count()

    @asynccontextmanager
    async def reserve(self, tenant: str, count: int, batch: str) -> AsyncIterator[Reservation]:
        """A block of `count` numbers for the batch `batch`, marked pending by the same update
        (see `batches`); the write counts as in flight until the block exits."""
        token = next(self._ids)
        self._inflight[token] = now_ms()  # never above the `stored` the server will hand out
        try:
            reservation = await self._reserve(tenant, count, batch)
            self._inflight[token] = reservation.stored_ms
            yield reservation
        finally:
            del self._inflight[token]

    async def _reserve(self, tenant: str, count: int, batch: str) -> Reservation:
        update = {
            "$inc": {"seq": count},
            "$max": {"stored": now_ms()},
            "$set": pending_entry(batch, count),
        }
        try:
            doc = await self._find_and_update(tenant, update)
        except DuplicateKeyError:  # two processes created the tenant's counter at once
            doc = await self._find_and_update(tenant, update)
        last = int(doc["seq"])
        await record_range(self._counters, tenant, batch, last)
        return Reservation(last_seq=last, count=count, stored_ms=int(doc["stored"]), counter=doc)

    async def _find_and_update(self, tenant: str, update: Doc) -> Doc:
        return await bump(self._counters, counter_id(tenant), update)

    def consistent_through_ms(self) -> int:
        """Just before the oldest write still in flight here, less the configured lag (T-18)."""
        now = now_ms() - 1  # a write reserved later in this millisecond stores `now_ms()`
        oldest = min(self._inflight.values(), default=None)
        through = now if oldest is None else min(now, oldest - 1)
        return through - self._lag_ms

"""The change feed's capability: committed statements in sequence order, and tombstones."""

from __future__ import annotations

from typing import Protocol

from service.model.feed import FeedStatements, Tombstone


class FeedStore(Protocol):
    """Reads for an incremental feed: nothing committed is ever passed over by a cursor."""

    async def feed_statements(self, tenant: str, after_seq: int, limit: int) -> FeedStatements:
        """Up to `limit` committed statements with `after_seq < seq <= through_seq`, voided
        ones included, in `seq` order, and the low-water mark `through_seq` (see FeedStatements).
        """
        ...

    async def feed_tombstones(self, tenant: str, after_id: int, limit: int) -> list[Tombstone]:
        """Tombstones with an id above `after_id`, in id order, stopping before any id whose
        predecessors may still be written (so a cursor never passes one committed later)."""
        ...

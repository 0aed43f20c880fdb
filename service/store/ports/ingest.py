"""The ingest overview capability: statements stored per day and authority, and the last one."""

from __future__ import annotations

from typing import Protocol

from service.model.console import IngestDay, LastIngest


class IngestStatsStore(Protocol):
    """Counts over stored statements by their authority (the credential that sent them)."""

    async def ingest_days(self, tenant: str, since_ms: int) -> list[IngestDay]:
        """Per authority and UTC day, statements stored at or after `since_ms`."""
        ...

    async def last_ingest(self, tenant: str) -> list[LastIngest]:
        """Per authority that ever sent a statement, when its newest one was stored."""
        ...

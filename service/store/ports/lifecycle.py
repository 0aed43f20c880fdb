"""What every storage backend does besides its capabilities: open, close, answer a ping."""

from __future__ import annotations

from typing import Protocol


class StoreLifecycle(Protocol):
    """Opened once before use and closed once after; `kind` names the backend in metrics."""

    @property
    def kind(self) -> str: ...

    async def open(self) -> None:
        """Connect, create or check the schema; StoreError when the store cannot be used."""
        ...

    async def close(self) -> None: ...

    async def ping(self) -> None:
        """A cheap round trip (readiness); raises when the store cannot answer."""
        ...

    async def size_bytes(self) -> int:
        """Bytes the store occupies on disk (data and indexes; a metric, may be approximate)."""
        ...

"""The console sessions capability: server-side sessions shared by every worker process."""

from __future__ import annotations

from typing import Protocol

from service.model.console import SessionRecord


class SessionStore(Protocol):
    """Sessions by the hash of their id; expiry is decided by the caller from the instants."""

    async def add_session(self, session: SessionRecord) -> None: ...

    async def get_session(self, id_hash: str) -> SessionRecord | None: ...

    async def touch_session(self, id_hash: str, seen_ms: int) -> None:
        """Record activity; never moves `seen_ms` backwards; no-op for an unknown id."""
        ...

    async def remove_session(self, id_hash: str) -> None:
        """End one session (sign-out); no-op when it does not exist."""
        ...

    async def remove_sessions_before(self, seen_before_ms: int, created_before_ms: int) -> int:
        """Drop sessions idle since `seen_before_ms` or created before `created_before_ms`."""
        ...

"""The audit capability: an append-only log of administrative actions."""

from __future__ import annotations

from typing import Protocol

from service.model.audit import AuditEntry, AuditEvent, AuditQuery


class AuditStore(Protocol):
    """Appends and lists audit events; nothing updates or deletes one (the SQLite table
    refuses it with triggers), and they survive tenant deletion and migrations."""

    async def append_audit(self, event: AuditEvent) -> int:
        """Store the event durably and return its id."""
        ...

    async def list_audit(self, query: AuditQuery) -> list[AuditEntry]:
        """Events matching every filter, newest first, at most `limit`."""
        ...

"""MongoDB's AuditStore: the `audit` collection; the adapter has no path that changes an event.

Each event keeps its id twice, as `_id` and as `n`: order and paging use `n`, an ordinary
integer field, which every server compatible with the wire protocol sorts numerically.
"""

from __future__ import annotations

import re
from typing import Any

from pymongo import DESCENDING

from service.model.audit import AuditEntry, AuditEvent, AuditQuery
from service.store.mongo import schema
from service.store.mongo.client import Doc, between, driver_errors
from service.store.mongo.connection import MongoConnection
from service.store.mongo.sequence import next_id

_FIELDS = ("actor", "action", "tenant", "target", "source", "outcome", "details")


def _entry(doc: Doc) -> AuditEntry:
    event = AuditEvent(
        at_ms=doc["at"],
        actor=doc["actor"],
        action=doc["action"],
        tenant=doc.get("tenant"),
        target=doc.get("target"),
        source=doc.get("source"),
        outcome=doc["outcome"],
        details=doc.get("details") or {},
    )
    return AuditEntry(id=doc["_id"], event=event)


def _filter(query: AuditQuery) -> Doc:
    where: dict[str, Any] = {}
    if query.tenant is not None:
        where["tenant"] = query.tenant
    for name, value in (("actor", query.actor), ("action", query.action)):
        if value is not None:
            where[name] = {"$regex": "^" + re.escape(value)}
    at = between(query.since_ms, query.until_ms)
    if at:
        where["at"] = at
    if query.before_id is not None:
        where["n"] = {"$lt": query.before_id}
    return where


class MongoAudit:
    """The audit log (issue 20)."""

    def __init__(self, conn: MongoConnection) -> None:
        self._conn = conn

    @driver_errors("append to the audit log")
    async def append_audit(self, event: AuditEvent) -> int:
        db = self._conn.db
        event_id = await next_id(db[schema.COUNTERS], "audit")
        doc: Doc = {"_id": event_id, "n": event_id, "at": event.at_ms}
        doc.update({name: getattr(event, name) for name in _FIELDS})
        await db[schema.AUDIT].insert_one(doc)
        return event_id

    @driver_errors("read the audit log")
    async def list_audit(self, query: AuditQuery) -> list[AuditEntry]:
        cursor = self._conn.db[schema.AUDIT].find(_filter(query))
        cursor = cursor.sort("n", DESCENDING).limit(query.limit)
        return [_entry(doc) async for doc in cursor]

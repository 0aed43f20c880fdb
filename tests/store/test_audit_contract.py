"""Storage contract of the audit log (issue 20), run against every adapter."""

from __future__ import annotations

import sqlite3

import pytest

from service.model.audit import AuditEvent, AuditQuery
from service.store.ports import Store
from service.store.sqlite import SQLiteStore

pytestmark = pytest.mark.asyncio


def event(at_ms: int, actor: str, action: str, tenant: str | None) -> AuditEvent:
    return AuditEvent(
        at_ms=at_ms,
        actor=actor,
        action=action,
        tenant=tenant,
        target="k1",
        source="127.0.0.1",
        outcome="ok",
        details={"scopes": ["all"], "overlap_seconds": 0},
    )


async def test_events_are_listed_newest_first_with_filters(store: Store) -> None:
    audit = store.audit
    ids = [
        await audit.append_audit(event(1000, "cli:ann", "tenant.create", "acme")),
        await audit.append_audit(event(2000, "credential:k9 (Ops)", "credential.create", "acme")),
        await audit.append_audit(event(3000, "credential:k9 (Ops)", "credential.rotate", "beta")),
        await audit.append_audit(event(4000, "cli:bob", "erasure.erase", None)),
    ]
    assert ids == sorted(ids)
    assert len(set(ids)) == 4

    async def listed(**filters: object) -> list[int]:
        return [e.id for e in await audit.list_audit(AuditQuery(**filters))]  # type: ignore[arg-type]

    assert await listed() == ids[::-1]
    assert await listed(tenant="acme") == [ids[1], ids[0]]
    assert await listed(actor="credential:k9") == [ids[2], ids[1]]
    assert await listed(action="credential.") == [ids[2], ids[1]]
    assert await listed(action="credential.rotate", tenant="acme") == []
    assert await listed(since_ms=2000, until_ms=4000) == [ids[2], ids[1]]
    assert await listed(before_id=ids[2], limit=1) == [ids[1]]
    [first] = await audit.list_audit(AuditQuery(actor="cli:ann"))
    assert first.event == event(1000, "cli:ann", "tenant.create", "acme")


async def test_sqlite_refuses_to_change_or_delete_an_event(store: Store) -> None:
    if not isinstance(store, SQLiteStore):
        pytest.skip("the MongoDB adapter simply has no path that changes an event")
    await store.audit.append_audit(event(1000, "cli:ann", "tenant.create", "acme"))
    conn = sqlite3.connect(store.path)
    try:
        for sql in ("UPDATE audit SET outcome = 'ok?'", "DELETE FROM audit"):
            with pytest.raises(sqlite3.IntegrityError, match="append-only"):
                conn.execute(sql)
    finally:
        conn.close()
    assert len(await store.audit.list_audit(AuditQuery())) == 1

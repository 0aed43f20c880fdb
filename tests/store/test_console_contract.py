"""Storage contract of the console's ports: sessions and the ingest overview, every adapter."""

from __future__ import annotations

import pytest

from service.model.clock import now_ms
from service.model.console import SessionRecord, SignedInPerson
from service.store.ports import Store
from service.xapi.agents import agent_key
from tests.builders import statement
from tests.store.statement_support import AUTHORITY, put

pytestmark = pytest.mark.asyncio
DAY_MS = 86_400_000
LMS = {"objectType": "Agent", "account": {"homePage": "http://lrs.test", "name": "lms-key"}}


def session(id_hash: str, created: int, seen: int) -> SessionRecord:
    return SessionRecord(id_hash, "key-1", "stamp", "csrf-token", created, seen)


async def test_sessions_round_trip_and_end(store: Store) -> None:
    record = session("h1", 1_000, 1_000)
    await store.sessions.add_session(record)
    assert await store.sessions.get_session("h1") == record
    assert await store.sessions.get_session("h2") is None
    await store.sessions.remove_session("h1")
    assert await store.sessions.get_session("h1") is None
    await store.sessions.remove_session("h1")  # signing out twice is fine


async def test_single_sign_on_sessions_keep_their_person(store: Store) -> None:
    person = SignedInPerson("sub-1", "Ada", "acme", ("outcomes/read", "statements/read"))
    record = SessionRecord("h1", "", "config-stamp", "csrf-token", 1_000, 1_000, person)
    await store.sessions.add_session(record)
    assert await store.sessions.get_session("h1") == record
    await store.sessions.add_session(session("h2", 1_000, 1_000))
    assert (await store.sessions.get_session("h2")).person is None  # type: ignore[union-attr]


async def test_touch_never_moves_activity_backwards(store: Store) -> None:
    await store.sessions.add_session(session("h1", 1_000, 5_000))
    await store.sessions.touch_session("h1", 3_000)
    assert (await store.sessions.get_session("h1")).seen_ms == 5_000  # type: ignore[union-attr]
    await store.sessions.touch_session("h1", 9_000)
    assert (await store.sessions.get_session("h1")).seen_ms == 9_000  # type: ignore[union-attr]
    await store.sessions.touch_session("unknown", 9_000)
    assert await store.sessions.get_session("unknown") is None


async def test_expired_sessions_are_removed_idle_or_old(store: Store) -> None:
    await store.sessions.add_session(session("idle", 5_000, 5_000))
    await store.sessions.add_session(session("old", 1_000, 20_000))
    await store.sessions.add_session(session("live", 9_000, 20_000))
    removed = await store.sessions.remove_sessions_before(10_000, 2_000)
    assert removed == 2
    assert await store.sessions.get_session("live") is not None
    assert await store.sessions.get_session("idle") is None
    assert await store.sessions.get_session("old") is None


async def test_ingest_counts_per_day_and_authority(store: Store) -> None:
    began = now_ms()
    await put(store, statement(), statement())
    await put(store, statement(), authority=LMS)
    await put(store, statement(), tenant="other", authority=LMS)
    today = began - began % DAY_MS
    days = await store.ingest.ingest_days("t1", began - DAY_MS)
    per_authority: dict[str, int] = {}
    for day in days:
        assert day.day_ms in (today, today + DAY_MS)  # a run across midnight UTC splits them
        per_authority[day.authority] = per_authority.get(day.authority, 0) + day.count
    assert per_authority == {agent_key(AUTHORITY) or "": 2, agent_key(LMS) or "": 1}
    assert await store.ingest.ingest_days("t1", now_ms() + DAY_MS) == []
    last = {row.authority: row.stored_ms for row in await store.ingest.last_ingest("t1")}
    ours, lms = agent_key(AUTHORITY) or "", agent_key(LMS) or ""
    assert set(last) == {ours, lms}
    assert began <= last[ours] <= last[lms] <= now_ms()
    assert await store.ingest.last_ingest("nobody") == []

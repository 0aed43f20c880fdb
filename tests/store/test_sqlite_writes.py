"""The SQLite write path: merged group commits, several writers on one file, schema upgrade."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import orjson
import pytest

from service.model.console import SessionRecord, SignedInPerson
from service.model.errors import ConflictError
from service.model.statements import KeyKind, NewStatement, StatementQuery, StatementWrite
from service.outcomes.learners import learner_of_key
from service.store.sqlite import SQLiteStore
from service.store.sqlite.checkpointer import Checkpointer
from service.store.sqlite.schema import SCHEMA_VERSION
from service.store.sqlite.write_lock import WriteLock
from service.xapi.agents import agent_key
from service.xapi.erasure import pseudonym_for
from service.xapi.preparation import prepare_statement
from tests.builders import activity, agent, statement, voiding

AUTHORITY = {"objectType": "Agent", "mbox": "mailto:lrs@example.org"}
TENANT = "t1"


def prepared(*statements: dict[str, Any]) -> list[NewStatement]:
    return [prepare_statement(s, version="2.0.0", authority=AUTHORITY) for s in statements]


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SQLiteStore]:
    opened = SQLiteStore(tmp_path / "w.sqlite3")
    await opened.open()
    try:
        yield opened
    finally:
        await opened.close()


async def held_back(store: SQLiteStore, *batches: list[NewStatement]) -> list[Any]:
    """Submit all batches while another writer holds the file, so they form one group."""
    blocker = WriteLock(store.path)
    blocker.acquire(1)
    tasks = [
        asyncio.ensure_future(store.statements.store_statements(StatementWrite(TENANT, batch, [])))
        for batch in batches
    ]
    await asyncio.sleep(0.2)
    blocker.release()
    blocker.close()
    return await asyncio.gather(*tasks, return_exceptions=True)


def seq_and_stored(path: Path) -> list[tuple[int, int]]:
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT seq, stored FROM statements ORDER BY seq").fetchall()


async def test_sr4_merged_group_rejects_only_the_conflicting_batch(store: SQLiteStore) -> None:
    """SR-4/V-46: in one group commit, a conflicting batch fails alone, all or nothing."""
    first = statement()
    clash = dict(first, verb={"id": "http://example.org/verbs/other"})
    results = await held_back(
        store,
        prepared(first),
        prepared(statement(), clash),
        prepared(statement(), dict(first)),
    )
    assert isinstance(results[0], list)
    assert isinstance(results[1], ConflictError)
    assert isinstance(results[2], list)
    page = await store.statements.query_statements(TENANT, StatementQuery(limit=10))
    assert len(page.bodies) == 2  # first, and the new statement of the third batch


async def test_sr20_sr43_within_one_group(store: SQLiteStore) -> None:
    """SR-20/SR-43: voiding and references resolve across batches of one group, any order."""
    target = statement(obj=activity("target"))
    ref = statement(verb="commented", obj={"objectType": "StatementRef", "id": target["id"]})
    void = voiding(target["id"])
    await held_back(store, prepared(ref), prepared(target), prepared(void))
    voided = await store.statements.get_statement(TENANT, target["id"], voided=True)
    assert voided is not None
    by_activity = await store.statements.query_statements(
        TENANT, StatementQuery(activity="http://example.org/act/target", limit=10)
    )
    ids = {orjson.loads(body)["id"] for body in by_activity.bodies}
    assert ids == {ref["id"], void["id"]}  # the target is voided; its referrers inherit it


async def test_sr12_two_writers_on_one_file_keep_stored_in_seq_order(tmp_path: Path) -> None:
    """SR-12/SR-45: with two stores (processes) writing one file, stored never decreases."""
    path = tmp_path / "shared.sqlite3"
    one, two = SQLiteStore(path), SQLiteStore(path)
    await one.open()
    await two.open()
    try:
        two.database._last_stored_ms = 2**41  # a writer whose clock runs far ahead
        writes = [
            (one if n % 2 else two).statements.store_statements(
                StatementWrite(TENANT, prepared(statement()), [])
            )
            for n in range(40)
        ]
        await asyncio.gather(*writes)
    finally:
        await one.close()
        await two.close()
    rows = seq_and_stored(path)
    assert len(rows) == 40
    stored = [row[1] for row in rows]
    assert stored == sorted(stored)


async def test_t18_consistent_through_sees_other_writers(tmp_path: Path) -> None:
    """T-18: Consistent-Through stays below a transaction another process has open."""
    path = tmp_path / "ct.sqlite3"
    store = SQLiteStore(path)
    await store.open()
    other = WriteLock(path)
    try:
        other.acquire(1_000_000)
        assert store.statements.consistent_through_ms() == 999_999
        other.release()
        assert store.statements.consistent_through_ms() > 1_000_000
    finally:
        other.close()
        await store.close()


async def test_a_write_in_the_same_millisecond_is_after_consistent_through(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """T-18: a statement stored after Consistent-Through was read is never inside it, even
    when its transaction begins in the same millisecond (the clock is held still here)."""
    store = SQLiteStore(tmp_path / "lrs.sqlite3")
    await store.open()
    try:
        monkeypatch.setattr("service.store.sqlite.database.now_ms", lambda: 4_000_000_000_000)
        through = store.statements.consistent_through_ms()
        target = statement()
        await store.statements.store_statements(StatementWrite(TENANT, prepared(target), []))
        found = await store.statements.get_statement(TENANT, target["id"], voided=False)
        assert found is not None
        assert found.stored_ms > through
    finally:
        await store.close()


async def test_schema_1_files_gain_statement_key_ids(tmp_path: Path) -> None:
    """An old file is upgraded in place: every statement row gets its index key ids."""
    path = tmp_path / "old.sqlite3"
    store = SQLiteStore(path)
    await store.open()
    target = statement()
    await store.statements.store_statements(StatementWrite(TENANT, prepared(target), []))
    await store.close()
    with sqlite3.connect(path) as conn:
        expected = sorted(r[0] for r in conn.execute("SELECT key_id FROM statement_keys"))
        conn.execute("ALTER TABLE statements DROP COLUMN key_ids")
    store = SQLiteStore(path)
    await store.open()
    try:
        ref = statement(verb="liked", obj={"objectType": "StatementRef", "id": target["id"]})
        await store.statements.store_statements(StatementWrite(TENANT, prepared(ref), []))
        page = await store.statements.query_statements(
            TENANT, StatementQuery(verb="http://example.org/verbs/completed", limit=10)
        )
    finally:
        await store.close()
    with sqlite3.connect(path) as conn:
        (stored_keys,) = conn.execute("SELECT key_ids FROM statements WHERE seq = 1").fetchone()
        version = conn.execute("SELECT value FROM meta WHERE name = 'schema_version'").fetchone()
    assert sorted(orjson.loads(stored_keys)) == expected
    assert version == (str(SCHEMA_VERSION),)
    assert len(page.bodies) == 2  # SR-43: the new referrer matches its old target's verb


def test_index_key_kinds_are_ints() -> None:
    """Cached (kind, key) tuples from statements equal the (int, str) rows SQLite returns."""
    assert (KeyKind.VERB, "x") == (3, "x")
    assert hash((KeyKind.VERB, "x")) == hash((3, "x"))


async def test_checkpointer_truncates_a_growing_wal(store: SQLiteStore) -> None:
    """Past its size limit the WAL is checkpointed and truncated between transactions."""
    wal = store.path.with_name(store.path.name + "-wal")
    await store.statements.store_statements(
        StatementWrite(TENANT, prepared(*(statement() for _ in range(50))), [])
    )
    assert wal.stat().st_size > 0
    checkpointer = Checkpointer(store.path, interval=0.02, truncate_bytes=1)
    checkpointer.start()
    try:
        for _ in range(100):
            await asyncio.sleep(0.02)
            if wal.stat().st_size == 0:
                break
        assert wal.stat().st_size == 0
        await store.statements.store_statements(
            StatementWrite(TENANT, prepared(statement()), [])
        )  # still writable
    finally:
        checkpointer.stop()
    page = await store.statements.query_statements(TENANT, StatementQuery(limit=100))
    assert len(page.bodies) == 51


async def test_console_sessions_of_an_older_file_gain_the_person_column(tmp_path: Path) -> None:
    """A file whose sessions table predates single sign-on keeps its sessions and gains SSO."""
    path = tmp_path / "old.sqlite3"
    store = SQLiteStore(path)
    await store.open()
    await store.sessions.add_session(SessionRecord("h1", "key-1", "stamp", "csrf", 1_000, 1_000))
    await store.close()
    with sqlite3.connect(path) as conn:
        conn.execute("ALTER TABLE console_sessions DROP COLUMN person")
    store = SQLiteStore(path)
    await store.open()
    try:
        kept = await store.sessions.get_session("h1")
        person = SignedInPerson("sub", "Ada", "acme", ("outcomes/read",))
        await store.sessions.add_session(SessionRecord("h2", "", "s", "c", 2_000, 2_000, person))
        assert (await store.sessions.get_session("h2")).person == person  # type: ignore[union-attr]
    finally:
        await store.close()
    assert kept == SessionRecord("h1", "key-1", "stamp", "csrf", 1_000, 1_000)


async def test_rs4_definitions_merge_across_writers_on_one_file(tmp_path: Path) -> None:
    """RS-4: each writer remembers canonical definitions, yet one that merges after another
    process wrote folds into what that process stored, not into what it remembered."""
    path = tmp_path / "merge.sqlite3"
    one, two = SQLiteStore(path), SQLiteStore(path)
    await one.open()
    await two.open()

    async def send(store: SQLiteStore, **definition: Any) -> None:
        write = StatementWrite(
            TENANT, prepared(statement(obj=activity("shared", **definition))), []
        )
        await store.statements.store_statements(write)

    try:
        await send(one, name={"en-US": "Safety"})
        await send(two, name={"fr-FR": "Sécurité"})
        await send(one, description={"en-US": "Site safety"})
        found = await two.statements.get_activity_definitions(
            TENANT, ["http://example.org/act/shared"]
        )
    finally:
        await one.close()
        await two.close()
    assert found["http://example.org/act/shared"] == {
        "name": {"en-US": "Safety", "fr-FR": "Sécurité"},
        "description": {"en-US": "Site safety"},
    }


async def test_sr42_a_writer_learns_of_an_erasure_another_process_made(tmp_path: Path) -> None:
    """SR-42: statements sent after another process erased the agent are found by the agent's
    filter (the first writer must not reuse the index key ids the erasure deleted)."""
    path = tmp_path / "erase.sqlite3"
    one, two = SQLiteStore(path), SQLiteStore(path)
    await one.open()
    await two.open()
    erin = agent("erin")
    key = agent_key(erin)
    assert key is not None

    async def send() -> str:
        write = StatementWrite(TENANT, prepared(statement(actor=erin)), [])
        return (await one.statements.store_statements(write))[0]

    try:
        await send()
        await two.erasure.erase_agent(
            TENANT, key, learner=learner_of_key(key), erased_by="test", pseudonym=pseudonym_for("x")
        )
        after = await send()
        found = await two.statements.query_statements(TENANT, StatementQuery(agent=key, limit=10))
    finally:
        await one.close()
        await two.close()
    assert [orjson.loads(body)["id"] for body in found.bodies] == [after]

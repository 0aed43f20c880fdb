"""The ingest fast paths: in-memory handoff, bounded coalescing, commits without fsync."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import orjson
import pytest

from schemas.outcomes import OutcomeMap
from service.model.outcomes import AttainmentQuery, SeqStatement
from service.model.statements import NewStatement, StatementWrite
from service.outcomes.engine import OutcomeEngine
from service.outcomes.handoff import Handoff
from service.store.sqlite import SQLiteStore
from service.xapi.preparation import prepare_statement
from tests.builders import voiding
from tests.outcomes.support import PASSED, one_outcome_map, passed

AUTHORITY = {"mbox": "mailto:lrs@example.org"}
TWO_PASSES = OutcomeMap.model_validate(
    one_outcome_map({"all": [{"verbs": [PASSED], "at_least": 2}]})
)


def prepared(*statements: dict[str, Any]) -> list[NewStatement]:
    return [
        prepare_statement(orjson.loads(orjson.dumps(s)), version="2.0.0", authority=AUTHORITY)
        for s in statements
    ]


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SQLiteStore]:
    opened = SQLiteStore(tmp_path / "lrs.sqlite3")
    await opened.open()
    yield opened
    await opened.close()


async def until(check: Callable[[], Any], seconds: float = 10.0) -> None:
    """Wait until `check()` (sync or async) is truthy."""
    deadline = asyncio.get_running_loop().time() + seconds
    while True:
        value = check()
        if asyncio.iscoroutine(value):
            value = await value
        if value:
            return
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.01)


async def caught_up(store: SQLiteStore, tenant: str = "t") -> bool:
    versions = await store.outcomes.evaluation.list_outcome_maps(tenant)
    current = [v for v in versions if v.status == "current"]
    return (
        bool(current)
        and await store.outcomes.evaluation.count_statements_after(tenant, current[-1].cursor) == 0
    )


async def attained(store: SQLiteStore) -> list[tuple[str, str, list[dict[str, Any]]]]:
    (version,) = [
        v for v in await store.outcomes.evaluation.list_outcome_maps("t") if v.status == "current"
    ]
    rows = await store.outcomes.reports.query_attainments(
        "t", AttainmentQuery(version=version.version)
    )
    return [(r.record.learner, r.record.outcome, r.record.evidence) for r in rows]


async def evaluate_batches(
    store: SQLiteStore, batches: list[list[dict[str, Any]]], *, hand_off: bool
) -> list[SeqStatement]:
    """Store and evaluate the batches, handing them over in memory or not; pages read."""
    pages: list[SeqStatement] = []
    read = store.outcomes.evaluation.read_statements_after

    async def spy(*args: Any) -> list[SeqStatement]:
        page = await read(*args)
        pages.extend(page)
        return page

    store.outcomes.evaluation.read_statements_after = spy  # type: ignore[method-assign,assignment]
    engine = OutcomeEngine(
        store.outcomes.evaluation, store.statements, "http://lrs.test", coalesce_seconds=0
    )
    await engine.install_map("t", TWO_PASSES)
    await until(lambda: caught_up(store))
    for batch in batches:
        statements = prepared(*batch)
        await store.statements.store_statements(StatementWrite("t", statements, []))
        engine.notify("t", statements if hand_off else ())
        await until(lambda: caught_up(store))
    await engine.stop()
    return pages


def scenario() -> list[list[dict[str, Any]]]:
    first, second, third = passed("ann", "m1"), passed("ann", "m2"), passed("bob", "m1")
    return [
        [first, second, third],
        [passed("bob", "m2"), voiding(first["id"])],
        [first],  # an equivalent re-post: stored once, never handed over twice
        [passed("cat", "m1"), passed("cat", "m2")],
        [passed("ann", "m3"), voiding(passed("cat", "m9")["id"])],
    ]


async def test_handoff_evaluates_as_reading_back(tmp_path: Path) -> None:
    batches = scenario()
    results = []
    for hand_off in (False, True):
        store = SQLiteStore(tmp_path / f"{hand_off}.sqlite3")
        await store.open()
        pages = await evaluate_batches(store, batches, hand_off=hand_off)
        results.append(await attained(store))
        read_back = [item for item in pages if item.body is not None]
        assert read_back if not hand_off else not read_back
        await store.close()
    assert results[0] == results[1]
    assert sorted(learner for learner, _, _ in results[1]) == [
        "mailto:ann@example.org",
        "mailto:bob@example.org",
        "mailto:cat@example.org",
    ]


async def test_statements_not_handed_over_are_read_from_the_store(store: SQLiteStore) -> None:
    engine = OutcomeEngine(
        store.outcomes.evaluation, store.statements, "http://lrs.test", coalesce_seconds=0
    )
    await engine.install_map("t", TWO_PASSES)
    await until(lambda: caught_up(store))
    held, unheld = prepared(passed("dan", "m1")), prepared(passed("dan", "m2"))
    await store.statements.store_statements(StatementWrite("t", held, []))
    await store.statements.store_statements(
        StatementWrite("t", unheld, [])
    )  # e.g. stored by another process
    engine.notify("t", held)
    await until(lambda: caught_up(store))
    await engine.stop()
    assert [learner for learner, _, _ in await attained(store)] == ["mailto:dan@example.org"]


def test_handoff_holds_inserted_statements_within_its_limit() -> None:
    statements = prepared(passed("a"), passed("b"), passed("c"), passed("d"))
    for seq, new in enumerate(statements[:3], start=1):
        new.seq = seq  # statements[3] was a duplicate: never inserted, so never held
    handoff = Handoff(limit=2)
    handoff.add(statements)
    assert handoff.known() == {1, 2}
    assert handoff.statement(SeqStatement(2, None, False)) is statements[1].statement
    body = SeqStatement(3, orjson.dumps({"id": "x"}), False)
    assert handoff.statement(body) == {"id": "x"}
    handoff.forget_through(1)
    assert handoff.known() == {2}
    assert len(handoff) == 1


async def test_coalescing_waits_but_a_full_page_starts_a_pass(store: SQLiteStore) -> None:
    engine = OutcomeEngine(
        store.outcomes.evaluation,
        store.statements,
        "http://lrs.test",
        page_size=3,
        coalesce_seconds=3600,
    )
    await engine.install_map("t", TWO_PASSES)
    await until(lambda: caught_up(store))
    one = prepared(passed("eve", "m1"))
    await store.statements.store_statements(StatementWrite("t", one, []))
    engine.notify("t", one)
    await asyncio.sleep(0.2)
    assert not await caught_up(store)  # the worker waits for more, up to its bound
    more = prepared(passed("eve", "m2"), passed("fay", "m1"))
    await store.statements.store_statements(StatementWrite("t", more, []))
    engine.notify("t", more)  # three held: a page, so no more waiting
    await until(lambda: caught_up(store))
    await engine.stop()
    assert [learner for learner, _, _ in await attained(store)] == ["mailto:eve@example.org"]


async def test_coalescing_is_bounded(store: SQLiteStore) -> None:
    engine = OutcomeEngine(
        store.outcomes.evaluation, store.statements, "http://lrs.test", coalesce_seconds=0.2
    )
    await engine.install_map("t", TWO_PASSES)
    await until(lambda: caught_up(store))
    for slug in ("m1", "m2"):
        one = prepared(passed("gus", slug))
        await store.statements.store_statements(StatementWrite("t", one, []))
        engine.notify("t", one)
    await until(lambda: caught_up(store), seconds=5)
    await engine.stop()
    assert len(await attained(store)) == 1


async def test_non_durable_commits_skip_the_fsync_then_restore_it(store: SQLiteStore) -> None:
    def synchronous(conn: Any) -> int:
        return int(conn.execute("PRAGMA synchronous").fetchone()[0])

    assert await store.database.write(synchronous, durable=False) == 1  # NORMAL
    assert await store.database.write(synchronous) == 2  # FULL again
    jobs = [store.database.write(synchronous, durable=False), store.database.write(synchronous)]
    assert (await asyncio.gather(*jobs))[1] == 2  # sharing a transaction, the durable one wins
    assert await store.database.write(synchronous) == 2

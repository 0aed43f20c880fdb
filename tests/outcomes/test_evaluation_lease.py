"""Two engines on one store, as two processes: one evaluates a tenant's backlog at a time (its
lease holder), each statement once, with the attainments a single engine reaches; when the
holder stops, the other takes over."""

from __future__ import annotations

import asyncio
import random
from contextlib import AsyncExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest

from schemas.outcomes import OutcomeMap
from service.model.statements import NewStatement, StatementWrite
from service.outcomes.engine import OutcomeEngine
from service.outcomes.lease import lease_name
from service.store.ports import Store
from service.xapi.preparation import prepare_statement
from tests.builders import voiding
from tests.outcomes.lease_support import (
    STORE_KINDS,
    current_attainments,
    open_many,
    shared_database,
)
from tests.outcomes.support import PASSED, one_outcome_map, passed

AUTHORITY = {"mbox": "mailto:lrs@example.org"}
HOME = "http://lrs.test"
LEASE_SECONDS = 1.0
LEVELS = {
    **one_outcome_map(
        {"all": [{"verbs": [PASSED], "at_least": 2}]},
        levels=[
            {"level": 1, "name": "Pass", "at_least": 2},
            {"level": 2, "name": "Merit", "at_least": 4},
        ],
    ),
    "emit": {"enabled": True},
}
START = datetime(2026, 1, 5, tzinfo=UTC)


def batches(seed: int, count: int = 30, size: int = 20) -> list[list[dict[str, Any]]]:
    """Passes by 150 learners with their own timestamps, and some voided again."""
    rng = random.Random(seed)
    out: list[list[dict[str, Any]]] = []
    made: list[dict[str, Any]] = []
    for b in range(count):
        batch = []
        for i in range(size):
            at = (START + timedelta(minutes=b * size + i)).isoformat()
            if made and rng.random() < 0.05:
                batch.append(voiding(made.pop(rng.randrange(len(made)))["id"], timestamp=at))
                continue
            one = passed(f"p{rng.randrange(150)}", f"m{rng.randrange(6)}", timestamp=at)
            made.append(one)
            batch.append(one)
        out.append(batch)
    return out


def prepared(batch: list[dict[str, Any]]) -> list[NewStatement]:
    return [
        prepare_statement(orjson.loads(orjson.dumps(s)), version="2.0.0", authority=AUTHORITY)
        for s in batch
    ]


def engine_on(store: Store, *, leased: bool = True) -> OutcomeEngine:
    outcomes = store.outcomes
    assert outcomes is not None
    return OutcomeEngine(
        outcomes.evaluation,
        store.statements,
        HOME,
        page_size=25,
        coalesce_seconds=0.01,
        leases=store.leases if leased else None,
        lease_seconds=LEASE_SECONDS,
    )


async def caught_up(store: Store, tenant: str = "t", seconds: float = 60.0) -> None:
    """Wait until one current version has evaluated every statement of the tenant."""
    outcomes = store.outcomes
    assert outcomes is not None
    deadline = asyncio.get_running_loop().time() + seconds
    while True:
        versions = [
            v for v in await outcomes.evaluation.list_outcome_maps(tenant) if v.status != "retired"
        ]
        if (
            len(versions) == 1
            and versions[0].status == "current"
            and await outcomes.evaluation.count_statements_after(tenant, versions[0].cursor) == 0
        ):
            return
        assert asyncio.get_running_loop().time() < deadline, versions
        await asyncio.sleep(0.02)


async def evaluated_and_stored(store: Store, tenant: str = "t") -> tuple[int, int]:
    """Statements the current version evaluated, and statements the tenant holds."""
    outcomes = store.outcomes
    assert outcomes is not None
    (current,) = [
        v for v in await outcomes.evaluation.list_outcome_maps(tenant) if v.status == "current"
    ]
    return current.evaluated, await outcomes.evaluation.count_statements_after(tenant, 0)


async def announcements(store: Store, tenant: str = "t") -> list[str]:
    """Ids of the attainment statements the engines emitted and did not void again."""
    outcomes = store.outcomes
    assert outcomes is not None
    page = await outcomes.evaluation.read_statements_after(tenant, 0, 100_000)
    bodies = [orjson.loads(item.body) for item in page if item.body is not None]
    engine = [
        b for b in bodies if b["authority"].get("account", {}).get("name") == "lrs-outcome-engine"
    ]
    voided = {b["object"]["id"] for b in engine if b["verb"]["id"].endswith("/voided")}
    return sorted(
        b["id"] for b in engine if not b["verb"]["id"].endswith("/voided") and b["id"] not in voided
    )


async def single_engine(opener: Any, work: list[list[dict[str, Any]]]) -> list[tuple[Any, ...]]:
    """The attainments one engine alone reaches over the same statements."""
    async with opener() as store:
        engine = engine_on(store, leased=False)
        await engine.start()
        await engine.install_map("t", OutcomeMap.model_validate(LEVELS))
        for batch in work:
            statements = prepared(batch)
            await store.statements.store_statements(StatementWrite("t", statements, []))
            engine.notify("t", statements)
        await caught_up(store)
        await engine.stop()
        return await current_attainments(store, "t")


@pytest.mark.parametrize("kind", STORE_KINDS)
async def test_two_engines_evaluate_each_statement_once(kind: str, tmp_path: Path) -> None:
    work = batches(seed=16)
    half = len(work) // 2
    async with AsyncExitStack() as stack:
        _, opener = await stack.enter_async_context(shared_database(kind, tmp_path / "two"))
        one, two = await open_many(stack, opener, 2)
        engines = [engine_on(one), engine_on(two)]
        await engines[0].start()
        stack.push_async_callback(engines[0].stop)
        await engines[0].install_map("t", OutcomeMap.model_validate(LEVELS))
        await engines[1].start()  # finds the tenant's map, as a process started now would
        stack.push_async_callback(engines[1].stop)

        async def ingest(part: list[list[dict[str, Any]]]) -> None:
            for number, batch in enumerate(part):
                store, engine = (one, engines[0]) if number % 2 else (two, engines[1])
                statements = prepared(batch)
                await store.statements.store_statements(StatementWrite("t", statements, []))
                engine.notify("t", statements)  # only the process that stored them hears of it

        await ingest(work[:half])
        await caught_up(one)
        evaluated, stored = await evaluated_and_stored(one)
        assert evaluated == stored  # none twice, none missed
        # History is evaluated again (a new version) while ingest goes on.
        await engines[1].install_map("t", OutcomeMap.model_validate(LEVELS))
        await ingest(work[half:])
        await caught_up(one)
        evaluated, stored = await evaluated_and_stored(one)
        assert evaluated == stored
        found = await current_attainments(one, "t")
        assert len(await announcements(one)) >= len(found)
        lease = await one.leases.read_lease(lease_name("t"))
        assert lease is not None
        assert lease.holder in {engine.holder for engine in engines}
    async with shared_database(kind, tmp_path / "one") as (_, alone):
        assert found == await single_engine(alone, work)
    assert {a[3] for a in found} == {1, 2}  # both levels reached: the scenario is not empty


@pytest.mark.parametrize("kind", STORE_KINDS)
async def test_the_other_engine_takes_over_when_the_holder_stops(kind: str, tmp_path: Path) -> None:
    work = batches(seed=17, count=10)
    async with AsyncExitStack() as stack:
        _, opener = await stack.enter_async_context(shared_database(kind, tmp_path))
        one, two = await open_many(stack, opener, 2)
        first, second = engine_on(one), engine_on(two)
        await first.start()
        await first.install_map("t", OutcomeMap.model_validate(LEVELS))
        await caught_up(one)
        await second.start()
        stack.push_async_callback(second.stop)
        for batch in work[:5]:
            await two.statements.store_statements(StatementWrite("t", prepared(batch), []))
        await caught_up(one)  # the holder found statements another process stored
        lease = await one.leases.read_lease(lease_name("t"))
        assert lease is not None
        assert lease.holder == first.holder
        await first.stop()  # a clean stop hands the lease over
        for batch in work[5:]:
            await one.statements.store_statements(StatementWrite("t", prepared(batch), []))
        await caught_up(two)
        lease = await two.leases.read_lease(lease_name("t"))
        assert lease is not None
        assert lease.holder == second.holder
        evaluated, stored = await evaluated_and_stored(two)
        assert evaluated == stored
        found = await current_attainments(two, "t")
    async with shared_database(kind, tmp_path / "one") as (_, alone):
        assert found == await single_engine(alone, work)

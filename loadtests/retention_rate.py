"""How fast a retention run deletes on SQLite (issue 20): N statements with old timestamps in
a temporary store, a dry run, then a real run of a P1Y policy by `timestamp`. With
`--outcomes`, an outcome map every statement is evidence for (each of 1,000 learners attains
it) is evaluated first, and the run retracts the evidence as the service does.

    .venv/bin/python -m loadtests.retention_rate 20000 [--outcomes]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

import orjson

from schemas.outcomes import OutcomeMap
from service.model.retention import RetentionPolicy
from service.model.statements import StatementWrite
from service.outcomes.engine import OutcomeEngine
from service.store.sqlite import SQLiteStore
from service.tenancy.admin.actor import AdminActor
from service.tenancy.admin.retention import run_retention
from service.xapi.preparation import prepare_statement
from service.xapi.versions import V2_0_0
from tests.builders import agent, statement

OLD = "2019-01-01T00:00:00.000Z"
AUTHORITY = {"objectType": "Agent", "account": {"homePage": "http://lrs.test", "name": "lms"}}


LEARNERS = 1000
MAP = {
    "name": "Every statement",
    "outcomes": [
        {"id": "o1", "name": "Any", "criteria": {"verbs": ["http://example.org/verbs/completed"]}}
    ],
}


async def evaluated(store: SQLiteStore) -> OutcomeEngine:
    """An engine that has evaluated MAP over the tenant's statements."""
    assert store.outcomes is not None
    engine = OutcomeEngine(store.outcomes.evaluation, store.statements, "http://lrs.test")
    await engine.install_map("t1", OutcomeMap.model_validate(MAP))
    for _ in range(36_000):  # an hour at most
        if all(v["status"] == "current" for v in await engine.progress("t1")):
            return engine
        await asyncio.sleep(0.1)
    raise RuntimeError("the map was not evaluated within an hour")


async def measure(count: int, folder: Path, outcomes: bool) -> str:
    store = SQLiteStore(folder / "retention.sqlite3")
    await store.open()
    engine = None
    try:
        for start in range(0, count, 1000):
            batch = [
                prepare_statement(
                    orjson.loads(
                        orjson.dumps(
                            statement(actor=agent(f"l{(start + n) % LEARNERS}"), timestamp=OLD)
                        )
                    ),
                    version=V2_0_0,
                    authority=dict(AUTHORITY),
                )
                for n in range(1000)
            ]
            await store.statements.store_statements(StatementWrite("t1", batch, []))
        engine = await evaluated(store) if outcomes else None
        await store.retention.set_retention_policy("t1", RetentionPolicy("P1Y", "timestamp"))
        actor = AdminActor(name="measure", audit=store.audit)
        began = time.perf_counter()
        dry = await run_retention(store.retention, actor, "t1", dry_run=True)
        counted = time.perf_counter() - began
        began = time.perf_counter()
        retract = None if engine is None else engine.retract
        run = await run_retention(store.retention, actor, "t1", dry_run=False, on_deleted=retract)
        deleted = time.perf_counter() - began
        reports = None if engine is None or store.outcomes is None else store.outcomes.reports
        attained = {} if reports is None else await reports.count_attainments("t1", 1)
    finally:
        if engine is not None:
            await engine.stop()
        await store.close()
    retracted = f", attainments left: {sum(attained.values())}" if engine else ""
    return (
        f"{count} statements: the dry run counted {dry.statements} in {counted:.2f} s; the run "
        f"deleted {run.statements} in {deleted:.2f} s ({run.statements / deleted:.0f}/s)"
        + retracted
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("count", type=int, nargs="?", default=20_000)
    parser.add_argument(
        "--outcomes", action="store_true", help="evaluate a map first; the run retracts evidence"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        print(asyncio.run(measure(args.count, Path(folder), args.outcomes)))


if __name__ == "__main__":
    main()

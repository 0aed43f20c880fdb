"""How fast a retention run deletes on SQLite (issue 20): N statements with old timestamps in
a temporary store, a dry run, then a real run of a P1Y policy by `timestamp`.

    .venv/bin/python -m loadtests.retention_rate 20000
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

import orjson

from service.model.retention import RetentionPolicy
from service.model.statements import StatementWrite
from service.store.sqlite import SQLiteStore
from service.tenancy.admin.actor import AdminActor
from service.tenancy.admin.retention import run_retention
from service.xapi.preparation import prepare_statement
from service.xapi.versions import V2_0_0
from tests.builders import statement

OLD = "2019-01-01T00:00:00.000Z"
AUTHORITY = {"objectType": "Agent", "account": {"homePage": "http://lrs.test", "name": "lms"}}


async def measure(count: int, folder: Path) -> str:
    store = SQLiteStore(folder / "retention.sqlite3")
    await store.open()
    try:
        for _ in range(0, count, 1000):
            batch = [
                prepare_statement(
                    orjson.loads(orjson.dumps(statement(timestamp=OLD))),
                    version=V2_0_0,
                    authority=dict(AUTHORITY),
                )
                for _ in range(1000)
            ]
            await store.statements.store_statements(StatementWrite("t1", batch, []))
        await store.retention.set_retention_policy("t1", RetentionPolicy("P1Y", "timestamp"))
        actor = AdminActor(name="measure", audit=store.audit)
        began = time.perf_counter()
        dry = await run_retention(store.retention, actor, "t1", dry_run=True)
        counted = time.perf_counter() - began
        began = time.perf_counter()
        run = await run_retention(store.retention, actor, "t1", dry_run=False)
        deleted = time.perf_counter() - began
    finally:
        await store.close()
    return (
        f"{count} statements: the dry run counted {dry.statements} in {counted:.2f} s; the run "
        f"deleted {run.statements} in {deleted:.2f} s ({run.statements / deleted:.0f}/s)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("count", type=int, nargs="?", default=20_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        print(asyncio.run(measure(args.count, Path(folder))))


if __name__ == "__main__":
    main()

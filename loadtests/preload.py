"""Fill a store with generated statements through the storage port (no HTTP): bench set-up only.

Statements go through the same validation and preparation as a POST, then straight to
`Store.store_statements`, several batches in flight so the writer groups them.
"""

from __future__ import annotations

import asyncio
import time

from loadtests.bodies import BodyPool
from service.ops.tuning import tune_interpreter
from service.settings import Settings
from service.store.factory import make_store
from service.store.ports import Store
from service.tenancy.auth import DEFAULT_TENANT
from service.xapi.statement_requests import parse_statement_body

AUTHORITY = {
    "objectType": "Agent",
    "name": "bootstrap",
    "account": {"homePage": "http://127.0.0.1:8080", "name": "loadtest"},
}


async def _load(store: Store, total: int, batch: int, in_flight: int, progress: bool) -> None:
    pool = BodyPool(batch, pool=32, seed=23)
    numbers = iter(range(total // batch))
    done = 0
    started = time.perf_counter()

    async def worker() -> None:
        nonlocal done
        for number in numbers:
            parsed = parse_statement_body(
                pool.body(number),
                "application/json",
                tenant=DEFAULT_TENANT,
                version="2.0.0",
                authority=AUTHORITY,
            )
            await store.statements.store_statements(parsed)
            done += batch
            if progress and done % 100_000 < batch:
                rate = done / (time.perf_counter() - started)
                print(f"  preloaded {done:,} statements ({rate:,.0f}/s)", flush=True)

    await asyncio.gather(*(worker() for _ in range(in_flight)))


def preload(store_url: str, total: int, *, batch: int = 500, progress: bool = True) -> float:
    """Store `total` generated statements in the store at `store_url`; the seconds it took."""
    store = make_store(Settings(_env_file=None, store_url=store_url))

    async def run() -> None:
        await store.open()
        tune_interpreter()  # as under `serve`
        try:
            await _load(store, total, batch, 4, progress)
        finally:
            await store.close()

    started = time.perf_counter()
    asyncio.run(run())
    return time.perf_counter() - started

"""Fill a store with generated statements through the storage port (no HTTP): bench set-up only.

    .venv/bin/python -m loadtests.preload 1000000 --store-url sqlite:///data/bench.sqlite3

Worker processes generate the statements and parse, validate and prepare them exactly as a POST
does (`parse_statement_body`), then send back the prepared `StatementWrite`s: unpickling one
costs about a quarter of parsing it again. This process only stores them, with the store's own
`statements.store_statements`, a few writes of thousands of statements in flight, so the
writer's group commit makes large transactions.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import multiprocessing
import random
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor

from loadtests.bodies import BodyPool
from service.model.statements import StatementWrite
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
BODY_STATEMENTS = 500  # statements per generated body; a write joins several bodies
PROGRESS_SECONDS = 10.0
COLLECT_EVERY = 50  # writes between two explicit garbage collections while storing

_bodies: BodyPool | None = None  # a worker process's generated bodies


def _start_worker(base: int) -> None:
    global _bodies
    tune_interpreter()  # as under `serve`
    _bodies = BodyPool(BODY_STATEMENTS, pool=32, seed=23, base=base)


def _prepared(first_body: int, statements: int) -> StatementWrite:
    """One write of `statements` statements from the bodies numbered from `first_body` on."""
    assert _bodies is not None, "runs in a worker started by _start_worker"
    write = StatementWrite(DEFAULT_TENANT, [], [])
    number = first_body
    while len(write.statements) < statements:
        parsed = parse_statement_body(
            _bodies.body(number),
            "application/json",
            tenant=DEFAULT_TENANT,
            version="2.0.0",
            authority=AUTHORITY,
        )
        write.statements.extend(parsed.statements)
        write.attachments.extend(parsed.attachments)
        number += 1
    # a cut body may leave a StatementRef or voiding without its target: both are valid xAPI
    del write.statements[statements:]
    return write


def write_sizes(total: int, per_write: int) -> Iterator[tuple[int, int]]:
    """(first body number, statements) of each write that together store `total` statements."""
    bodies_per_write = max(1, per_write // BODY_STATEMENTS)
    per_write = bodies_per_write * BODY_STATEMENTS
    for number, start in enumerate(range(0, total, per_write)):
        yield number * bodies_per_write, min(per_write, total - start)


class _Progress:
    """Counts stored statements and prints the rate every PROGRESS_SECONDS."""

    def __init__(self, total: int, enabled: bool) -> None:
        self.total = total
        self.done = 0
        self._enabled = enabled
        self._started = self._printed = time.perf_counter()

    def add(self, statements: int) -> None:
        self.done += statements
        now = time.perf_counter()
        if self._enabled and (now - self._printed >= PROGRESS_SECONDS or self.done == self.total):
            self._printed = now
            rate = self.done / (now - self._started)
            left = (self.total - self.done) / rate if rate else 0.0
            print(
                f"  preloaded {self.done:,} of {self.total:,} statements ({rate:,.0f}/s, "
                f"about {left / 60:,.1f} min left at that rate)",
                flush=True,
            )


async def _load(
    store: Store, pool: ProcessPoolExecutor, total: int, per_write: int, lanes: int, progress: bool
) -> None:
    loop = asyncio.get_running_loop()
    writes = write_sizes(total, per_write)
    counter = _Progress(total, progress)

    stored_writes = 0

    async def lane() -> None:
        nonlocal stored_writes
        for first_body, statements in writes:
            write = await loop.run_in_executor(pool, _prepared, first_body, statements)
            await store.statements.store_statements(write)
            counter.add(statements)
            stored_writes += 1
            if stored_writes % COLLECT_EVERY == 0:
                gc.collect()

    # The writes in flight are hundreds of thousands of acyclic objects, which the collector
    # scanned again and again for nothing: about 15 % of this process's CPU per statement.
    # It is off while storing, with an explicit collection now and then for the odd cycle.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        await asyncio.gather(*(lane() for _ in range(lanes)))
    finally:
        if was_enabled:
            gc.enable()


def preload(
    store_url: str,
    total: int,
    *,
    per_write: int = 5_000,
    workers: int | None = None,
    progress: bool = True,
) -> float:
    """Store `total` generated statements in the store at `store_url`; the seconds it took.

    `workers` parsing processes (default: one fewer than the CPUs, at least one) prepare
    writes of `per_write` statements; each call stores statements with new ids.
    """
    if total <= 0:
        return 0.0
    started = time.perf_counter()
    writes = -(-total // max(BODY_STATEMENTS, per_write))
    workers = max(1, min(writes, workers or (multiprocessing.cpu_count() - 1)))
    base = random.SystemRandom().getrandbits(32)
    # spawned, not forked: this process runs the store's threads while workers start
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(workers, context, _start_worker, (base,)) as pool:
        store = make_store(Settings(_env_file=None, store_url=store_url))

        async def run() -> None:
            await store.open()
            tune_interpreter()  # as under `serve`
            try:
                await _load(store, pool, total, per_write, workers + 2, progress)
            finally:
                await store.close()

        asyncio.run(run())
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description="Preload generated statements into a store.")
    parser.add_argument("statements", type=int, help="how many statements to add")
    parser.add_argument("--store-url", required=True, help="e.g. sqlite:///data/bench.sqlite3")
    parser.add_argument("--per-write", type=int, default=5_000, help="statements per write")
    parser.add_argument("--workers", type=int, default=None, help="parsing processes")
    args = parser.parse_args()
    seconds = preload(
        args.store_url, args.statements, per_write=args.per_write, workers=args.workers
    )
    print(
        f"{args.statements:,} statements in {seconds:,.1f} s ({args.statements / seconds:,.0f}/s)"
    )


if __name__ == "__main__":
    main()

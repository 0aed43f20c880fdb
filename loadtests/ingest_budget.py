"""Where one statement's CPU goes on the ingest path, stage by stage, without HTTP.

    .venv/bin/python -m loadtests.ingest_budget --batch 100 --statements 20000

Times (process CPU, the interpreter tuned as under `serve`) each step `parse_statement_body`
takes on the bench's generated bodies, then the statement store's write on a fresh SQLite
file, split into the writer thread's own steps (thread CPU). What is left between the sum of
the stages and a served request's CPU is HTTP, the framework and the two threads' GIL hand-offs;
`make bench` reports the served figure.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from loadtests.bodies import BodyPool
from loadtests.preload import AUTHORITY
from service.model.statements import StatementWrite
from service.ops.tuning import tune_interpreter
from service.settings import Settings
from service.store.factory import make_store
from service.store.sqlite import statement_store, statement_writes
from service.tenancy.auth import DEFAULT_TENANT
from service.xapi.json_depth import check_json_depth
from service.xapi.json_keys import check_duplicate_keys
from service.xapi.json_size import check_json_values
from service.xapi.preparation import prepare_statement
from service.xapi.statement_requests import parse_json, parse_statement_body
from service.xapi.validation import validate_statements

VERSION = "2.0.0"
T = TypeVar("T")
WRITER_STEPS = (
    "_own_key_ids",
    "_merge_activities",
    "_record_agents",
    "_propagate_to_referrers",
)


def _per_statement(seconds: float, statements: int) -> float:
    return round(seconds * 1e6 / statements, 1)


def _timed(
    results: dict[str, float], name: str, step: Callable[[Any], T], items: list[Any]
) -> list[T]:
    started = time.process_time()
    out = [step(item) for item in items]
    results[name] = time.process_time() - started
    return out


def _size_and_depth(body: bytes) -> None:
    check_json_depth(body, 64)
    check_json_values(body, 2_000_000)


def parse_budget(bodies: list[bytes]) -> dict[str, float]:
    """CPU seconds of each parse step over all bodies, and of `parse_statement_body` whole."""
    spent: dict[str, float] = {}
    _timed(
        spent,
        "size and depth checks",
        _size_and_depth,
        bodies,
    )
    parsed = _timed(spent, "JSON parse (orjson)", parse_json, bodies)
    _timed(
        spent,
        "duplicate member check",
        lambda pair: check_duplicate_keys(*pair),
        list(zip(bodies, parsed, strict=True)),
    )
    valid = _timed(
        spent, "validation (pydantic)", lambda data: validate_statements(data, VERSION), parsed
    )
    prepare = functools.partial(prepare_statement, version=VERSION, authority=AUTHORITY)
    _timed(spent, "preparation and index keys", lambda batch: [prepare(s) for s in batch], valid)
    return spent


@contextmanager
def _writer_clock(spent: dict[str, float]) -> Iterator[None]:
    """Add the writer thread's CPU in each named step of `statement_writes` to `spent`."""

    def clocked(name: str, step: Callable[..., Any]) -> Callable[..., Any]:
        def run(*args: Any, **kwargs: Any) -> Any:
            started = time.thread_time()
            try:
                return step(*args, **kwargs)
            finally:
                spent[name] += time.thread_time() - started

        return run

    def rows(conn: Any, head: str, values: Any) -> None:
        started = time.thread_time()
        originals[statement_writes, "insert_rows"](conn, head, values)
        table = head.split(" INTO ", 1)[1].split(" ", 1)[0]
        spent[f"INSERT {table}"] += time.thread_time() - started

    patched = {
        (statement_writes, name): clocked(name, getattr(statement_writes, name))
        for name in ("insert_writes", *WRITER_STEPS)
    }
    patched[statement_writes, "insert_rows"] = rows
    # statement_store imported insert_writes by name
    patched[statement_store, "insert_writes"] = patched[statement_writes, "insert_writes"]
    originals = {place: getattr(*place) for place in patched}
    for (module, name), step in patched.items():
        setattr(module, name, step)
    try:
        yield
    finally:
        for (module, name), step in originals.items():
            setattr(module, name, step)


async def _store_all(writes: list[StatementWrite], in_flight: int) -> float:
    with tempfile.TemporaryDirectory(prefix="lrs-budget-") as tmp:
        store = make_store(
            Settings(_env_file=None, store_url=f"sqlite:///{Path(tmp) / 'budget.sqlite3'}")
        )
        await store.open()
        try:
            gate = asyncio.Semaphore(in_flight)

            async def one(write: StatementWrite) -> None:
                async with gate:
                    await store.statements.store_statements(write)

            started = time.process_time()
            await asyncio.gather(*(one(write) for write in writes))
            return time.process_time() - started
        finally:
            await store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--batch", type=int, default=100, help="statements per request body")
    parser.add_argument("--statements", type=int, default=20_000)
    parser.add_argument("--in-flight", type=int, default=16, help="writes submitted at once")
    args = parser.parse_args()
    requests = max(1, args.statements // args.batch)
    total = requests * args.batch
    pool = BodyPool(args.batch)
    tune_interpreter()
    spent = parse_budget([pool.body(n) for n in range(requests)])
    bodies = [pool.body(requests + n) for n in range(requests)]
    parse = functools.partial(
        parse_statement_body,
        content_type="application/json",
        tenant=DEFAULT_TENANT,
        version=VERSION,
        authority=AUTHORITY,
    )
    writes = _timed(spent, "parse_statement_body, whole", lambda body: parse(body), bodies)
    writer: dict[str, float] = defaultdict(float)
    with _writer_clock(writer):
        spent["store write, whole (process)"] = asyncio.run(_store_all(writes, args.in_flight))
    print(f"CPU us per statement, batches of {args.batch}, {total:,} statements")
    for name, seconds in spent.items():
        print(f"  {name:<36} {_per_statement(seconds, total):>7}")
    print("  writer thread, of which:")
    steps = sum(seconds for name, seconds in writer.items() if name != "insert_writes")
    writer["the rest (id and voiding lookups, rows)"] = writer["insert_writes"] - steps
    for name, seconds in sorted(writer.items(), key=lambda item: -item[1]):
        print(f"    {name:<34} {_per_statement(seconds, total):>7}")


if __name__ == "__main__":
    main()

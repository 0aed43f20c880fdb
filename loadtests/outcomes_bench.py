"""Outcome benchmarks: ingest overhead of a 50-outcome map, and queries at 100,000 learners.

    .venv/bin/python -m loadtests.outcomes_bench ingest --batches 300 --block 20 --rounds 2
    .venv/bin/python -m loadtests.outcomes_bench queries --learners 100000 --runs 40

`ingest` starts two LRS processes (as `make run`, durable SQLite commits) on fresh files, one
without an outcome map and one with a 50-outcome map, and POSTs the same 100-statement batches
to both, one at a time, in interleaved blocks (no-map block, map block, then the other way
round), so the drift of a noisy machine hits both alike. Per block it takes the mean time
until a batch is acknowledged (the ingest time), the LRS process's CPU time per batch
(evaluation included, as the block ends once everything is evaluated) and the evaluation lag
after the last batch; it prints medians with the interquartile range over blocks, and the
overhead of each map block against its neighbouring no-map block. `queries` is in
loadtests.outcomes_queries.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import orjson

from loadtests.generator import ADL, StatementGenerator
from loadtests.outcomes_common import COURSES, XAPI, Lrs, evaluated, lrs, spread
from loadtests.outcomes_queries import queries


def fifty_outcome_map() -> dict[str, Any]:
    """50 outcomes over the generator's courses, with every kind of criterion in use."""
    outcomes = []
    for i in range(50):
        course = f"{COURSES}{i * 4}"
        criterion: dict[str, Any] = {
            "id": "modules",
            "verbs": [ADL + "passed", ADL + "completed"],
            "activities": [f"{course}/module/*"],
            "result": {"min_scaled": 0.6},
            "at_least": 3,
            "distinct_activities": True,
        }
        if i % 5 == 1:
            criterion["window"] = {"within": "P90D"}
        if i % 5 == 2:
            criterion["parents"] = [course]
        second = {"verbs": [ADL + "answered"], "activities": [f"{COURSES}{i * 4 + 1}/*"]}
        outcomes.append(
            {
                "id": f"outcome-{i}",
                "name": f"Outcome {i}",
                "kpis": ["revenue"],
                "criteria": {"any": [criterion, second]} if i % 2 else {"all": [criterion]},
                "levels": [
                    {"level": 1, "name": "Foundation", "at_least": 3},
                    {"level": 2, "name": "Expert", "at_least": 6},
                ],
            }
        )
    return {
        "name": "Benchmark",
        "kpis": [{"id": "revenue", "name": "Revenue"}],
        "outcomes": outcomes,
    }


async def _block(server: Lrs, bodies: list[bytes]) -> dict[str, float]:
    """Mean ms until a batch is acknowledged, server CPU ms per batch, ms from the last
    acknowledgement until everything is evaluated."""
    acks: list[float] = []
    cpu = server.cpu_ms()
    for body in bodies:
        sent = time.perf_counter()
        response = await server.client.post("/xapi/statements", content=body, headers=XAPI)
        response.raise_for_status()
        acks.append(time.perf_counter() - sent)
    acked = time.perf_counter()
    await server.evaluated()
    return {
        "ack": statistics.fmean(acks) * 1000,
        "cpu": (server.cpu_ms() - cpu) / len(bodies),
        "lag": (time.perf_counter() - acked) * 1000,
    }


async def _round(bodies: list[bytes], block: int, out: dict[str, list[float]]) -> None:
    """One pair of fresh servers; appends per-block figures to `out`."""
    async with lrs() as plain, lrs() as mapped:
        (await mapped.client.put("/outcomes/map", json=fifty_outcome_map())).raise_for_status()
        await evaluated(mapped.client)
        for server in (plain, mapped):  # warm both up with the first block, untimed
            await _block(server, bodies[:block])
        timed = bodies[block:]
        for n, first in enumerate(range(0, len(timed), block)):
            chunk = timed[first : first + block]
            order = [("plain", plain), ("mapped", mapped)]
            for name, server in order if n % 2 == 0 else order[::-1]:
                for kind, value in (await _block(server, chunk)).items():
                    out[f"{name}_{kind}"].append(value)


LINES = (
    ("ack", "ingest time: ms until a batch is acknowledged"),
    ("cpu", "LRS process CPU ms per batch, evaluation included (robust to a busy machine)"),
)


def ingest(batches: int, block: int, rounds: int) -> None:
    generator = StatementGenerator(seed=11, actors=500, courses=200)
    bodies = [orjson.dumps(generator.batch(100)) for _ in range(batches + block)]
    out: dict[str, list[float]] = defaultdict(list)
    for _ in range(rounds):
        asyncio.run(_round(bodies, block, out))
    print(
        f"{rounds} round(s) of {batches} POSTs of 100 statements per server, one at a time, "
        f"in {len(out['plain_ack'])} interleaved blocks of {block}; "
        "median [p25 .. p75] over blocks:"
    )
    for kind, label in LINES:
        plain, mapped = out[f"plain_{kind}"], out[f"mapped_{kind}"]
        overhead = [(m / p - 1) * 100 for p, m in zip(plain, mapped, strict=True) if p]
        print(f"  {label}:")
        print(f"    no outcome map   {spread(plain)}")
        print(f"    50-outcome map   {spread(mapped)}")
        print(f"    overhead, %      {spread(overhead)}  (each map block / its no-map neighbour)")
        print(f"    overhead of the totals: {(sum(mapped) / sum(plain) - 1) * 100:+.1f}%")
    print(f"  evaluation lag after a map block's last batch, ms: {spread(out['mapped_lag'])}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    ingest_parser = commands.add_parser("ingest")
    ingest_parser.add_argument("--batches", type=int, default=300)
    ingest_parser.add_argument("--block", type=int, default=20)
    ingest_parser.add_argument("--rounds", type=int, default=2)
    queries_parser = commands.add_parser("queries")
    queries_parser.add_argument("--learners", type=int, default=100_000)
    queries_parser.add_argument("--runs", type=int, default=40)
    queries_parser.add_argument("--store", type=Path, help="keep the loaded store file for reuse")
    queries_parser.add_argument(
        "--store-url", help="an LRS_STORE_URL to load and query instead (e.g. mongodb://...)"
    )
    args = parser.parse_args()
    if args.command == "ingest":
        ingest(args.batches, args.block, args.rounds)
    else:
        fresh = args.store_url is not None or args.store is None or not args.store.exists()
        asyncio.run(queries(args.learners, args.runs, args.store, fresh, args.store_url))


if __name__ == "__main__":
    main()

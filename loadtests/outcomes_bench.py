"""Outcome benchmarks: ingest overhead of a 50-outcome map, and queries at 100,000 learners.

    .venv/bin/python -m loadtests.outcomes_bench ingest --batches 150
    .venv/bin/python -m loadtests.outcomes_bench queries --learners 100000

`ingest` starts the LRS twice on fresh SQLite files (as `make run`), POSTs the same
100-statement batches one at a time, first without a map and then with a 50-outcome map, and
prints the mean batch time, the time until every statement was also evaluated, and the
overhead. `queries` loads a roster and one attainment per learner over HTTP, then times each
attainment query (median and 95th percentile of repeated requests).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import orjson

from loadtests.generator import ADL, StatementGenerator
from loadtests.ingest_probe import KEY, SECRET, _free_port, start_server

XAPI = {"X-Experience-API-Version": "1.0.3", "Content-Type": "application/json"}
COURSES = "http://courses.example.org/course/"


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


async def _evaluated(client: httpx.AsyncClient) -> None:
    while True:
        versions = (await client.get("/outcomes/map/evaluation")).json()["versions"]
        if all(v["status"] == "current" and v["pending_statements"] == 0 for v in versions):
            return
        await asyncio.sleep(0.005)


async def _ingest_run(bodies: list[bytes], with_map: bool) -> float:
    """Seconds per batch from the first POST until every statement is stored and evaluated."""
    with tempfile.TemporaryDirectory() as tmp:
        port = _free_port()
        server = start_server(Path(tmp) / "lrs.sqlite3", port)
        try:
            async with httpx.AsyncClient(
                base_url=f"http://127.0.0.1:{port}", auth=(KEY, SECRET), timeout=60
            ) as client:
                if with_map:
                    response = await client.put("/outcomes/map", json=fifty_outcome_map())
                    response.raise_for_status()
                    await _evaluated(client)
                for body in bodies[:10]:  # warm up the server before timing
                    (
                        await client.post("/xapi/statements", content=body, headers=XAPI)
                    ).raise_for_status()
                timed = bodies[10:]
                started = time.perf_counter()
                for body in timed:
                    response = await client.post("/xapi/statements", content=body, headers=XAPI)
                    response.raise_for_status()
                await _evaluated(client)  # the run ends when every statement is evaluated
                return (time.perf_counter() - started) / len(timed)
        finally:
            server.terminate()
            server.wait(timeout=30)


def ingest(batches: int, rounds: int) -> None:
    generator = StatementGenerator(seed=11, actors=500, courses=200)
    bodies = [orjson.dumps(generator.batch(100)) for _ in range(batches + 10)]
    plain: list[float] = []
    mapped: list[float] = []
    for _ in range(rounds):  # alternate, so drift of the machine hits both alike
        plain.append(asyncio.run(_ingest_run(bodies, with_map=False)))
        mapped.append(asyncio.run(_ingest_run(bodies, with_map=True)))
    print("runs (ms):", [round(x * 1000, 1) for x in plain], [round(x * 1000, 1) for x in mapped])
    base, with_map = statistics.median(plain), statistics.median(mapped)
    print(f"{batches} POSTs of 100 new statements, one at a time, durable SQLite commits;")
    print(f"time until all are stored and evaluated, median of {rounds} alternating runs:")
    print(f"  no outcome map:  {base * 1000:7.2f} ms per batch")
    overhead = (with_map / base - 1) * 100
    print(f"  50-outcome map:  {with_map * 1000:7.2f} ms per batch ({overhead:+.1f}%)")


async def _load_learners(client: httpx.AsyncClient, learners: int) -> None:
    lines = ["learner,name,department,team,location"]
    for n in range(learners):
        lines.append(f"l{n}@example.org,Learner {n},Dept {n % 10},Team {n % 100},Site {n % 7}")
    response = await client.put(
        "/outcomes/roster", content="\n".join(lines).encode(), headers={"Content-Type": "text/csv"}
    )
    response.raise_for_status()
    kpis = [
        {"kpi": "revenue", "org_unit": f"Dept {d}", "period": f"2026-{m:02d}", "value": d * m}
        for d in range(10)
        for m in range(1, 13)
    ]
    (await client.put("/outcomes/kpis", json=kpis)).raise_for_status()
    outcome_map = {
        "name": "Scale",
        "kpis": [{"id": "revenue", "name": "Revenue"}],
        "outcomes": [
            {
                "id": "passed-any",
                "name": "Passed a module",
                "kpis": ["revenue"],
                "criteria": {"all": [{"verbs": [ADL + "passed"]}]},
            }
        ],
    }
    (await client.put("/outcomes/map", json=outcome_map)).raise_for_status()
    batch: list[dict[str, Any]] = []
    pending: list[asyncio.Task[httpx.Response]] = []
    for n in range(learners):
        day = n % 360
        batch.append(
            {
                "actor": {"mbox": f"mailto:l{n}@example.org", "name": f"Learner {n}"},
                "verb": {"id": ADL + "passed"},
                "object": {"id": f"{COURSES}{n % 50}"},
                "timestamp": f"2026-{day // 30 + 1:02d}-{day % 28 + 1:02d}T09:00:00Z",
            }
        )
        if len(batch) == 500 or n == learners - 1:
            body = orjson.dumps(batch)
            batch = []
            pending.append(
                asyncio.create_task(client.post("/xapi/statements", content=body, headers=XAPI))
            )
            if len(pending) >= 4:
                for task in pending:
                    (await task).raise_for_status()
                pending = []
    for task in pending:
        (await task).raise_for_status()
    await _evaluated(client)


async def _time(client: httpx.AsyncClient, path: str, params: dict[str, str], runs: int) -> str:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        response = await client.get(path, params=params)
        samples.append((time.perf_counter() - started) * 1000)
        response.raise_for_status()
    samples.sort()
    p95 = samples[int(len(samples) * 0.95) - 1]
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return f"  {path}?{query}: median {statistics.median(samples):.1f} ms, p95 {p95:.1f} ms"


async def _queries(learners: int, runs: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        port = _free_port()
        server = start_server(Path(tmp) / "lrs.sqlite3", port)
        try:
            async with httpx.AsyncClient(
                base_url=f"http://127.0.0.1:{port}", auth=(KEY, SECRET), timeout=600
            ) as client:
                started = time.perf_counter()
                await _load_learners(client, learners)
                print(
                    f"loaded {learners} learners, statements and attainments in "
                    f"{time.perf_counter() - started:.0f} s"
                )
                counts = (await client.get("/outcomes")).json()["outcomes"][0]["attained"]
                print(f"{counts} attainments; timings over {runs} requests each:")
                checks = [
                    ("/outcomes", {}),
                    ("/outcomes/attainments", {"outcome": "passed-any", "limit": "100"}),
                    ("/outcomes/attainments", {"learner": "l4242@example.org"}),
                    ("/outcomes/attainments", {"org_unit": "Dept 3", "limit": "100"}),
                    ("/outcomes/attainments", {"period": "2026-03", "limit": "100"}),
                    ("/outcomes/rates", {"since": "2026-01", "until": "2026-12"}),
                    (
                        "/outcomes/rates",
                        {"group_by": "team", "since": "2026-01", "until": "2026-12"},
                    ),
                    ("/outcomes/kpi-table", {}),
                ]
                for path, params in checks:
                    print(await _time(client, path, params, runs))
        finally:
            server.terminate()
            server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    ingest_parser = commands.add_parser("ingest")
    ingest_parser.add_argument("--batches", type=int, default=150)
    ingest_parser.add_argument("--rounds", type=int, default=3)
    queries_parser = commands.add_parser("queries")
    queries_parser.add_argument("--learners", type=int, default=100_000)
    queries_parser.add_argument("--runs", type=int, default=40)
    args = parser.parse_args()
    if args.command == "ingest":
        ingest(args.batches, args.rounds)
    else:
        asyncio.run(_queries(args.learners, args.runs))


if __name__ == "__main__":
    main()

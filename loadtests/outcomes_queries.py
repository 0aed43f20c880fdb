"""Attainment queries at scale: a roster and one attainment per learner, then timed queries.

    .venv/bin/python -m loadtests.outcomes_bench queries --learners 100000 --runs 40
    .venv/bin/python -m loadtests.outcomes_bench queries --store-url mongodb://127.0.0.1:27017/bench

Loads the learners over HTTP into a fresh LRS (or reuses `--store` when that file exists),
then requests every query in turn, `runs` rounds, so noise hits each alike; prints the median
and 95th percentile per query.
"""

from __future__ import annotations

import asyncio
import random
import statistics
import time
from pathlib import Path
from typing import Any

import httpx
import orjson

from loadtests.generator import ADL
from loadtests.outcomes_common import COURSES, XAPI, evaluated, lrs, percentile

CHECKS: list[tuple[str, dict[str, str]]] = [
    ("/outcomes", {}),
    ("/outcomes/attainments", {"outcome": "passed-any", "limit": "100"}),
    ("/outcomes/attainments", {"learner": "l4242@example.org"}),
    ("/outcomes/attainments", {"org_unit": "Dept 3", "limit": "100"}),
    ("/outcomes/attainments", {"period": "2026-03", "limit": "100"}),
    ("/outcomes/rates", {"since": "2026-01", "until": "2026-12"}),
    ("/outcomes/rates", {"group_by": "team", "since": "2026-01", "until": "2026-12"}),
    (
        "/outcomes/rates",
        {
            "group_by": "location",
            "granularity": "day",
            "since": "2026-01-01",
            "until": "2026-12-31",
        },
    ),
    ("/outcomes/kpi-table", {}),
    ("/outcomes/kpi-table", {"lag": "1"}),
    ("/outcomes/impact", {"outcome": "passed-any", "kpi": "revenue"}),
]


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
    days = random.Random(42)  # every unit attains on most days of the year
    for n in range(learners):
        month, day = days.randrange(1, 13), days.randrange(1, 29)
        batch.append(
            {
                "actor": {"mbox": f"mailto:l{n}@example.org", "name": f"Learner {n}"},
                "verb": {"id": ADL + "passed"},
                "object": {"id": f"{COURSES}{n % 50}"},
                "timestamp": f"2026-{month:02d}-{day:02d}T09:00:00Z",
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
    await evaluated(client)


async def queries(
    learners: int, runs: int, store: Path | None, fresh: bool, store_url: str | None = None
) -> None:
    """Load (when `fresh`), then time every query of CHECKS `runs` times, interleaved."""
    async with lrs(store, wait_s=600, store_url=store_url) as server:
        client = server.client
        if fresh:
            started = time.perf_counter()
            await _load_learners(client, learners)
            print(
                f"loaded {learners} learners and their attainments in "
                f"{time.perf_counter() - started:.0f} s"
            )
        await evaluated(client)
        counts = (await client.get("/outcomes")).json()["outcomes"][0]["attained"]
        samples: list[list[float]] = [[] for _ in CHECKS]
        for run in range(runs + 1):  # the first round warms up and is not counted
            for index, (path, params) in enumerate(CHECKS):
                started = time.perf_counter()
                response = await client.get(path, params=params)
                elapsed = (time.perf_counter() - started) * 1000
                response.raise_for_status()
                if run:
                    samples[index].append(elapsed)
    print(f"{counts} attainments; ms over {runs} interleaved rounds:")
    for (path, params), timings in zip(CHECKS, samples, strict=True):
        query = "&".join(f"{k}={v}" for k, v in params.items())
        print(
            f"  {path}?{query}: median {statistics.median(timings):.1f}, "
            f"p95 {percentile(timings, 0.95):.1f}"
        )

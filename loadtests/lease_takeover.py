"""How long a tenant's outcome evaluation stalls when the process holding its lease goes away.

    python -m loadtests.lease_takeover --lease-seconds 10 --runs 3 [--statements 6000]

Each run starts two served processes on one fresh SQLite file, stores `--statements`
statements, installs an outcome map, waits until the lease holder has committed its first
page and then ends the holder: SIGKILL (it dies holding the lease) or, with `--stop`, SIGTERM
(a clean stop releases it). It prints the seconds from the kill until the survivor holds the
lease and until the backlog is evaluated, and checks that each statement was evaluated once.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import signal
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from loadtests.crash_server import KEY, SECRET, spawn, wait_ready
from service.outcomes.lease import lease_name
from service.settings import Settings
from service.store.factory import make_store

HEADERS = {"X-Experience-API-Version": "2.0.0"}
PASSED = "http://adlnet.gov/expapi/verbs/passed"
MAP = {
    "name": "Takeover",
    "kpis": [{"id": "k", "name": "K"}],
    "outcomes": [
        {"id": "o", "name": "O", "criteria": {"all": [{"verbs": [PASSED], "at_least": 2}]}}
    ],
}


def statements(count: int, seed: int) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    return [
        {
            "actor": {"mbox": f"mailto:l{rng.randrange(1000)}@example.org"},
            "verb": {"id": PASSED},
            "object": {"id": f"http://example.org/m{rng.randrange(8)}"},
        }
        for _ in range(count)
    ]


def holder(store_url: str) -> str | None:
    async def read() -> str | None:
        store = make_store(Settings(_env_file=None, store_url=store_url))
        await store.open()
        try:
            lease = await store.leases.read_lease(lease_name("default"))
        finally:
            await store.close()
        return lease.holder if lease is not None and lease.held_by(lease.holder) else None

    return asyncio.run(read())


def progress(client: httpx.Client) -> dict[str, Any]:
    versions: list[dict[str, Any]] = client.get("/outcomes/map/evaluation").json()["versions"]
    return versions[0]


def one_run(data: Path, lease_seconds: float, count: int, stop: bool) -> tuple[float, float]:
    store_url = f"sqlite:///{data / 'lrs.sqlite3'}"
    settings = {"LRS_EVALUATION_LEASE_SECONDS": str(lease_seconds)}
    services = [spawn(store_url, data / f"{n}.log", **settings) for n in (1, 2)]
    try:
        for service in services:
            wait_ready(service)
        auth = (KEY, SECRET)
        with httpx.Client(base_url=services[0].base, auth=auth, headers=HEADERS) as client:
            batch = statements(count, seed=count)
            for start in range(0, count, 500):
                client.post("/xapi/statements", json=batch[start : start + 500]).raise_for_status()
            client.put("/outcomes/map", json=MAP).raise_for_status()
            while (name := holder(store_url)) is None:
                time.sleep(0.01)
        pid = int(name.split(":")[-2])
        (victim,) = [s for s in services if s.process.pid == pid]
        (survivor,) = [s for s in services if s is not victim]
        with httpx.Client(base_url=survivor.base, auth=auth, headers=HEADERS) as client:
            while progress(client)["evaluated_statements"] == 0:
                time.sleep(0.01)
            ended = time.monotonic()
            victim.process.send_signal(signal.SIGTERM if stop else signal.SIGKILL)
            victim.process.wait()
            while (name := holder(store_url)) is None or int(name.split(":")[-2]) == pid:
                time.sleep(0.02)
            taken = time.monotonic() - ended
            while (state := progress(client))["pending_statements"] or state["status"] != "current":
                time.sleep(0.02)
            settled = time.monotonic() - ended
            if state["evaluated_statements"] != count:
                raise SystemExit(f"evaluated {state['evaluated_statements']} of {count}")
        return taken, settled
    finally:
        for service in services:
            if service.process.poll() is None:
                service.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lease-seconds", type=float, default=10.0)
    parser.add_argument("--statements", type=int, default=6000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--stop", action="store_true", help="SIGTERM instead of SIGKILL")
    args = parser.parse_args(argv)
    how = "SIGTERM" if args.stop else "SIGKILL"
    for run in range(1, args.runs + 1):
        with tempfile.TemporaryDirectory(prefix="lease-takeover-") as tmp:
            taken, settled = one_run(Path(tmp), args.lease_seconds, args.statements, args.stop)
        print(
            f"run {run}: lease {args.lease_seconds:g} s, {how}: survivor holds the lease after "
            f"{taken:.1f} s, backlog of {args.statements} evaluated after {settled:.1f} s "
            "(each statement once)",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""SIGKILL of the process evaluating a tenant's outcomes, mid-pass, loses nothing.

Two served processes share one store, as `LRS_WORKERS=2` or two hosts would. The history of
a tenant is evaluated under a new map by whichever holds the tenant's lease; the holder is
killed with SIGKILL part-way through, the survivor takes the lease over once it expires,
resumes after the last page the holder committed and evaluates statements stored meanwhile.
Then: every statement was evaluated exactly once (the version's count equals the tenant's
statements), and the attainments equal a from-scratch evaluation (the same map installed
again, evaluated from the first statement by one process).
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from service.outcomes.lease import lease_name
from service.store.factory import make_store
from tests.builders import voiding
from tests.conftest import make_settings
from tests.mongo_support import drop_database, fresh_database_url
from tests.outcomes.lease_support import STORE_KINDS
from tests.outcomes.support import PASSED, passed
from tests.server.served import free_port, serve, wait_ready

KEY, SECRET = "crash-key", "crash-secret"
HEADERS = {"X-Experience-API-Version": "2.0.0"}
LEASE_SECONDS = "1"  # the survivor takes over about a second after the kill
# A pass of 12 pages (4 on the MongoDB test server, which stores some 170 statements a
# second): the kill lands after the first.
STATEMENTS = {"sqlite": 6_000, "mongodb": 2_000}
MAP = {
    "name": "Crash map",
    "kpis": [{"id": "revenue", "name": "Revenue"}],
    "outcomes": [
        {
            "id": "pass-twice",
            "name": "Passed twice",
            "criteria": {"all": [{"verbs": [PASSED], "at_least": 2}]},
            "levels": [
                {"level": 1, "name": "Pass", "at_least": 2},
                {"level": 2, "name": "Merit", "at_least": 4},
            ],
        },
        {
            "id": "breadth",
            "name": "Three modules",
            "criteria": {"all": [{"verbs": [PASSED], "at_least": 3, "distinct_activities": True}]},
        },
    ],
}


def history(seed: int, count: int) -> list[dict[str, Any]]:
    """Passes by 1,000 learners over 8 modules, a few voided again, with their own times."""
    rng = random.Random(seed)
    start = datetime(2026, 3, 2, tzinfo=UTC)
    made: list[dict[str, Any]] = []
    out: list[dict[str, Any]] = []
    for i in range(count):
        at = (start + timedelta(seconds=30 * i)).isoformat()
        if made and rng.random() < 0.03:
            out.append(voiding(made.pop(rng.randrange(len(made)))["id"], timestamp=at))
            continue
        one = passed(f"c{rng.randrange(1000)}", f"m{rng.randrange(8)}", timestamp=at)
        made.append(one)
        out.append(one)
    return out


@contextmanager
def lrs_process(store_url: str, log: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    port = free_port()
    env = {
        "LRS_PORT": str(port),
        "LRS_STORE_URL": store_url,
        "LRS_BOOTSTRAP_KEY": KEY,
        "LRS_BOOTSTRAP_SECRET": SECRET,
        "LRS_EVALUATION_LEASE_SECONDS": LEASE_SECONDS,
    }
    base = f"http://127.0.0.1:{port}"
    with log.open("wb") as out:
        process = serve(env, out)
        try:
            wait_ready(base, process)
            yield base, process
        finally:
            if process.poll() is None:
                process.terminate()
                process.wait(timeout=30)


def client(base: str) -> httpx.Client:
    return httpx.Client(base_url=base, auth=(KEY, SECRET), headers=HEADERS, timeout=60)


def post(base: str, statements: list[dict[str, Any]], size: int = 500) -> None:
    with client(base) as c:
        for start in range(0, len(statements), size):
            response = c.post("/xapi/statements", json=statements[start : start + size])
            assert response.status_code == 200, response.text


def evaluation(base: str) -> list[dict[str, Any]]:
    with client(base) as c:
        response = c.get("/outcomes/map/evaluation")
        assert response.status_code == 200, response.text
        versions: list[dict[str, Any]] = response.json()["versions"]
        return versions


def settle(base: str, seconds: float = 120) -> dict[str, Any]:
    """Wait until one current version has nothing pending; its progress."""
    deadline = time.monotonic() + seconds
    while True:
        versions = evaluation(base)
        (first, *others) = versions
        if not others and first["status"] == "current" and first["pending_statements"] == 0:
            return first
        assert time.monotonic() < deadline, versions
        time.sleep(0.05)


def attainments(base: str) -> list[dict[str, Any]]:
    with client(base) as c:
        response = c.get("/exports/attainments.ndjson")
        assert response.status_code == 200, response.text
    return [orjson.loads(line) for line in response.content.splitlines() if line]


def holder_pid(store_url: str, tmp_path: Path) -> int | None:
    """The process holding the default tenant's lease, if any holds it now."""

    async def read() -> int | None:
        store = make_store(make_settings(tmp_path, store_url=store_url))
        await store.open()
        try:
            lease = await store.leases.read_lease(lease_name("default"))
        finally:
            await store.close()
        if lease is None or not lease.held_by(lease.holder):
            return None
        return int(lease.holder.split(":")[-2])

    return asyncio.run(read())


@pytest.mark.parametrize("kind", STORE_KINDS)
def test_sigkill_of_the_evaluating_process_loses_nothing(
    kind: str, tmp_path: Path, mongodb_url: str | None
) -> None:
    store_url = f"sqlite:///{tmp_path / 'lrs.sqlite3'}" if kind == "sqlite" else mongodb_url
    assert store_url is not None
    count = STATEMENTS[kind]
    before, during = history(26, count), history(27, 500)
    with ExitStack() as stack:
        one = stack.enter_context(lrs_process(store_url, tmp_path / "one.log"))
        two = stack.enter_context(lrs_process(store_url, tmp_path / "two.log"))
        processes = {one[1].pid: one, two[1].pid: two}
        post(one[0], before[: count // 2])
        post(two[0], before[count // 2 :])
        with client(one[0]) as c:
            assert c.put("/outcomes/map", json=MAP).status_code == 201

        deadline = time.monotonic() + 60
        while (holder := holder_pid(store_url, tmp_path)) is None:
            assert time.monotonic() < deadline, "nobody took the lease"
            time.sleep(0.01)
        (survivor,) = [base for pid, (base, _) in processes.items() if pid != holder]
        victim = processes[holder][1]
        while evaluation(survivor)[0]["evaluated_statements"] == 0:
            assert time.monotonic() < deadline, "the holder evaluated nothing"
            time.sleep(0.01)
        os.kill(holder, signal.SIGKILL)
        victim.wait(timeout=30)
        (at_kill,) = evaluation(survivor)
        assert 0 < at_kill["evaluated_statements"] < count  # mid-pass
        assert at_kill["status"] == "evaluating"

        post(survivor, during)  # stored while the lease still names the dead holder
        progress = settle(survivor)
        assert holder_pid(store_url, tmp_path) != holder
        assert progress["evaluated_statements"] == count + len(during)  # each once
        after_crash = attainments(survivor)

        with client(survivor) as c:  # from scratch: the same map, evaluated from the start
            assert c.put("/outcomes/map", json=MAP).status_code == 201
        settle(survivor)
        from_scratch = attainments(survivor)
    assert after_crash == from_scratch
    assert len(after_crash) > count // 12
    assert {a["level"] for a in after_crash} == {None, 1, 2}


@pytest.fixture
def mongodb_url(request: pytest.FixtureRequest) -> Iterator[str | None]:
    """A fresh MongoDB database for the mongodb variant (dropped afterwards)."""
    if request.node.callspec.params.get("kind") != "mongodb":
        yield None
        return
    url = fresh_database_url()
    yield url
    asyncio.run(drop_database(url))

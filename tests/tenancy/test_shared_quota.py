"""A rate quota holds across processes sharing one store: two served LRSs, one budget.

Both processes run `python -m service serve` on the same store (one SQLite file, or one
MongoDB database); requests alternate between them as fast as they are answered. With the
budget counted in the store (the default), the two together admit no more than one credential's
burst plus its rate over the elapsed time; counted per process, they admit twice the burst.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx
import pytest
from pymongo import MongoClient

from tests.mongo_support import MONGODB_URL, fresh_database_url
from tests.server.served import free_port, serve, wait_ready

KEY, SECRET = "quota-key", "quota-secret-value"
RATE, BURST, REQUESTS = 1.0, 8, 30
STORES = ["sqlite", "mongodb"] if MONGODB_URL else ["sqlite"]


@contextmanager
def _served(tmp_path: Path, name: str, env: dict[str, str]) -> Iterator[str]:
    port = free_port()
    with (tmp_path / f"{name}.log").open("wb") as log:
        process: subprocess.Popen[bytes] = serve({**env, "LRS_PORT": str(port)}, log)
        base = f"http://127.0.0.1:{port}"
        try:
            wait_ready(base, process)
            yield base
        finally:
            process.terminate()
            process.wait(timeout=30)


def _admitted(tmp_path: Path, store_url: str, *, shared: bool) -> tuple[int, float]:
    """Requests admitted (200) out of REQUESTS alternating over two processes, and seconds."""
    env = {
        "LRS_STORE_URL": store_url,
        "LRS_BOOTSTRAP_KEY": KEY,
        "LRS_BOOTSTRAP_SECRET": SECRET,
        "LRS_RATE_LIMIT_PER_SECOND": str(RATE),
        "LRS_RATE_LIMIT_BURST": str(BURST),
        "LRS_QUOTA_SHARED": "true" if shared else "false",
    }
    with ExitStack() as stack:
        bases = [stack.enter_context(_served(tmp_path, f"lrs{i}", env)) for i in range(2)]
        clients = [
            stack.enter_context(
                httpx.Client(
                    base_url=base,
                    auth=(KEY, SECRET),
                    headers={"X-Experience-API-Version": "2.0.0"},
                    timeout=30,
                )
            )
            for base in bases
        ]
        statuses = []
        started = time.monotonic()
        for n in range(REQUESTS):
            response = clients[n % 2].get("/xapi/statements", params={"limit": "1"})
            statuses.append(response.status_code)
        elapsed = time.monotonic() - started
    assert set(statuses) <= {200, 429}, statuses
    return statuses.count(200), elapsed


@pytest.fixture(params=STORES)
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'lrs.sqlite3'}"
        return
    url = fresh_database_url()
    yield url
    client: MongoClient[dict[str, object]] = MongoClient(url)
    try:
        client.drop_database(client.get_default_database().name)
    finally:
        client.close()


def test_two_processes_share_one_budget(tmp_path: Path, store_url: str) -> None:
    admitted, elapsed = _admitted(tmp_path, store_url, shared=True)
    assert BURST <= admitted <= BURST + RATE * elapsed + 1


def test_counted_per_process_two_processes_allow_twice_the_burst(tmp_path: Path) -> None:
    """The control: the same load with per-process buckets gets through twice as often."""
    admitted, _ = _admitted(tmp_path, f"sqlite:///{tmp_path / 'lrs.sqlite3'}", shared=False)
    assert admitted >= 2 * BURST

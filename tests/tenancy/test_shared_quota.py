"""A rate quota holds across processes sharing one store: two served LRSs, one budget.

Both processes run `python -m service serve` on the same store (one SQLite file, or one
MongoDB database); requests alternate between them as fast as they are answered. With the
budget counted in the store (the default), the two together admit no more than one credential's
burst plus its rate over the elapsed time; counted per process, they admit twice the burst.
"""

from __future__ import annotations

import time
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest

from tests.mongo_support import MONGODB_URL
from tests.server.served import served

KEY, SECRET = "quota-key", "quota-secret-value"
RATE, BURST, REQUESTS = 1.0, 8, 30
STORES = ["sqlite", "mongodb"] if MONGODB_URL else ["sqlite"]


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
        bases = [stack.enter_context(served(env, tmp_path / f"lrs{i}.log"))[0] for i in range(2)]
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
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'lrs.sqlite3'}"
    url: str = request.getfixturevalue("fresh_mongo_url")
    return url


def test_two_processes_share_one_budget(tmp_path: Path, store_url: str) -> None:
    admitted, elapsed = _admitted(tmp_path, store_url, shared=True)
    assert BURST <= admitted <= BURST + RATE * elapsed + 1


def test_counted_per_process_two_processes_allow_twice_the_burst(tmp_path: Path) -> None:
    """The control: the same load with per-process buckets gets through twice as often."""
    admitted, _ = _admitted(tmp_path, f"sqlite:///{tmp_path / 'lrs.sqlite3'}", shared=False)
    assert admitted >= 2 * BURST

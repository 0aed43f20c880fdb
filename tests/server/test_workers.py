"""Several worker processes serving one SQLite file (`serve --workers 2`)."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from tests.builders import statement
from tests.server.served import running_lrs

KEY, SECRET = "workers-key", "workers-secret"


@pytest.fixture(scope="module")
def two_workers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """An LRS with two worker processes on a fresh file; stops with SIGTERM."""
    with running_lrs(tmp_path_factory.mktemp("workers"), KEY, SECRET, LRS_WORKERS="2") as base:
        yield base


def test_sr12_sr45_workers_share_one_stored_order(two_workers: str) -> None:
    """SR-12/SR-45: statements posted to both workers come back in one stored order."""
    headers = {"X-Experience-API-Version": "2.0.0"}

    def post(_: int) -> int:
        with httpx.Client(base_url=two_workers, auth=(KEY, SECRET), headers=headers) as client:
            return client.post("/xapi/statements", json=[statement() for _ in range(5)]).status_code

    with ThreadPoolExecutor(8) as pool:
        assert set(pool.map(post, range(40))) == {200}
    with httpx.Client(base_url=two_workers, auth=(KEY, SECRET), headers=headers) as client:
        page = client.get("/xapi/statements", params={"ascending": "true", "limit": 0}).json()
        statements = page["statements"]
        while page["more"]:
            page = client.get(page["more"]).json()
            statements += page["statements"]
    stored = [s["stored"] for s in statements]
    assert len(stored) == 200
    assert stored == sorted(stored)

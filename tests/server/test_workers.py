"""Several worker processes serving one SQLite file (`serve --workers 2`)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.builders import statement
from tests.server.test_uvicorn_process import _free_port

KEY, SECRET = "workers-key", "workers-secret"


@pytest.fixture(scope="module")
def two_workers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """An LRS with two worker processes on a fresh file; stops with SIGTERM."""
    data = tmp_path_factory.mktemp("workers")
    port = _free_port()
    env = {
        **os.environ,
        "LRS_PORT": str(port),
        "LRS_STORE_URL": f"sqlite:///{data / 'lrs.sqlite3'}",
        "LRS_BOOTSTRAP_KEY": KEY,
        "LRS_BOOTSTRAP_SECRET": SECRET,
        "LRS_WORKERS": "2",
    }
    log = (data / "server.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "service", "serve"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=Path(__file__).resolve().parents[2],
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/xapi/about", timeout=1).status_code == 200:
                break
        except httpx.TransportError:
            time.sleep(0.1)
    else:
        process.terminate()
        raise AssertionError((data / "server.log").read_text())
    yield base
    process.terminate()
    process.wait(timeout=15)
    log.close()


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

"""SIGTERM during a running ingest loses no acknowledged statement (issue 7)."""

from __future__ import annotations

import signal
import threading
import time
from pathlib import Path

import httpx
import orjson

from tests.builders import statement
from tests.server.served import free_port, serve, wait_ready

KEY, SECRET = "term-key", "term-secret"
WORKERS, BATCH = 6, 250
HEADERS = {"X-Experience-API-Version": "2.0.0"}


def _ingest(base: str, acked: list[str], signalled: threading.Event) -> None:
    """POST batches until the server goes away; note every acknowledged id."""
    with httpx.Client(base_url=base, auth=(KEY, SECRET), headers=HEADERS, timeout=20) as client:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                response = client.post("/xapi/statements", json=[statement() for _ in range(BATCH)])
            except httpx.TransportError:
                if signalled.is_set():
                    return
                continue
            if response.status_code == 200:
                acked.extend(response.json())
            elif signalled.is_set():
                return


def _stored_ids(base: str) -> set[str]:
    found: set[str] = set()
    with httpx.Client(base_url=base, auth=(KEY, SECRET), headers=HEADERS) as client:
        url = "/xapi/statements?limit=500&format=ids"
        while url:
            page = client.get(url).json()
            found.update(s["id"] for s in page["statements"])
            url = page["more"]
    return found


def _drained_statuses(log: Path) -> list[int]:
    """Statuses of requests answered between uvicorn's 'Shutting down' and the lifespan end."""
    lines = [orjson.loads(line) for line in log.read_bytes().splitlines()]
    marks = [line.get("message", line["event"]) for line in lines]
    assert marks.index("shutdown.started") < marks.index("shutdown.complete")
    draining = lines[marks.index("Shutting down") : marks.index("shutdown.started")]
    return [line["status"] for line in draining if line["event"] == "request"]


def test_sigterm_during_ingest_keeps_every_acknowledged_statement(tmp_path: Path) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        "LRS_PORT": str(port),
        "LRS_STORE_URL": f"sqlite:///{tmp_path / 'lrs.sqlite3'}",
        "LRS_BOOTSTRAP_KEY": KEY,
        "LRS_BOOTSTRAP_SECRET": SECRET,
        "LRS_SHUTDOWN_TIMEOUT": "20",
    }
    acked: list[str] = []
    signalled = threading.Event()
    with (tmp_path / "first.log").open("wb") as log:
        process = serve(env, log)
        try:
            wait_ready(base, process)
            workers = [
                threading.Thread(target=_ingest, args=(base, acked, signalled))
                for _ in range(WORKERS)
            ]
            for worker in workers:
                worker.start()
            deadline = time.monotonic() + 30
            while len(acked) < 4 * BATCH and time.monotonic() < deadline:
                time.sleep(0.01)
            signalled.set()
            process.send_signal(signal.SIGTERM)
            assert process.wait(timeout=30) in (0, -signal.SIGTERM)  # uvicorn re-raises it
            for worker in workers:
                worker.join(timeout=30)
        finally:
            if process.poll() is None:
                process.kill()
    assert len(acked) >= 4 * BATCH
    drained = _drained_statuses(tmp_path / "first.log")
    assert 200 in drained, "requests in flight at SIGTERM are answered"
    assert all(status < 500 for status in drained), "no in-flight request is cut off"

    with (tmp_path / "second.log").open("wb") as log:
        process = serve(env, log)
        try:
            wait_ready(base, process)
            stored = _stored_ids(base)
        finally:
            process.terminate()
            process.wait(timeout=30)
    missing = set(acked) - stored
    assert not missing, f"{len(missing)} acknowledged statements were lost"

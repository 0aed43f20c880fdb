"""SIGTERM during a running ingest loses no acknowledged statement (issue 7)."""

from __future__ import annotations

import base64
import signal
import socket
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


class _StraddlingRequest:
    """A POST whose body is half sent before SIGTERM and finished after it: surely in flight."""

    def __init__(self, port: int, statements: list[dict[str, object]]) -> None:
        body = orjson.dumps(statements)
        credential = base64.b64encode(f"{KEY}:{SECRET}".encode()).decode()
        head = (
            f"POST /xapi/statements HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"Authorization: Basic {credential}\r\nX-Experience-API-Version: 2.0.0\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        ).encode()
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=30)
        self.rest = body[len(body) // 2 :]
        self.sock.sendall(head + body[: len(body) // 2])

    def finish(self) -> tuple[int, list[str]]:
        """Send the rest of the body; the answer's status and the ids it acknowledged."""
        self.sock.sendall(self.rest)
        answer = b""
        while b"\r\n\r\n" not in answer or not answer.rstrip().endswith(b"]"):
            chunk = self.sock.recv(65536)
            if not chunk:
                break
            answer += chunk
        self.sock.close()
        head, _, payload = answer.partition(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        return status, orjson.loads(payload) if status == 200 else []


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
            straddling = _StraddlingRequest(port, [statement() for _ in range(5)])
            time.sleep(0.2)  # the server has read the head and waits for the rest
            signalled.set()
            process.send_signal(signal.SIGTERM)
            time.sleep(0.2)  # the server is draining now
            status, straddled = straddling.finish()
            assert process.wait(timeout=30) in (0, -signal.SIGTERM)  # uvicorn re-raises it
            for worker in workers:
                worker.join(timeout=30)
        finally:
            if process.poll() is None:
                process.kill()
    assert len(acked) >= 4 * BATCH
    assert status == 200, "a request in flight at SIGTERM is answered"
    acked.extend(straddled)
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

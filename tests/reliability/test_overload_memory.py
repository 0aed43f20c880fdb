"""Memory is bounded by what requests cost once parsed, with a real process (issue 14): large
batches from many connections, dense JSON bodies, one credential holding the write slots."""

from __future__ import annotations

import asyncio
import socket
import sqlite3
import time
from collections import Counter
from pathlib import Path

import httpx
import orjson

from loadtests.bodies import BodyPool
from loadtests.rawhttp import basic_auth
from loadtests.saturate import rss_bytes, saturate
from tests.builders import statement
from tests.conftest import BASIC, KEY, SECRET
from tests.server.served import served_process

HEADERS = {"Authorization": BASIC, "X-Experience-API-Version": "2.0.0"}
QUIET = {"LRS_RATE_LIMIT_ENABLED": "false", "LRS_LOG_LEVEL": "warning", "LRS_ACCESS_LOG": "false"}
GiB = 2**30
MiB = 2**20


def _stored_ids(data: Path) -> set[str]:
    """Every statement id in the service's SQLite file (read beside the running service)."""
    conn = sqlite3.connect(f"file:{data / 'lrs.sqlite3'}?mode=ro", uri=True)
    try:
        return {row[0] for row in conn.execute("SELECT id FROM statements")}
    finally:
        conn.close()


def test_large_batches_from_300_connections_stay_under_1_gib(tmp_path: Path) -> None:
    """300 keep-alive connections each POST 2,000-statement batches (2.3 MB) at the default
    limits: the parsed work admitted at once is bounded, so resident memory stays under 1 GiB
    (it reached 3.6 GiB when only body bytes were counted); every refusal is a 503 with
    Retry-After, and every acknowledged batch is stored whole."""
    pool = BodyPool(2000, pool=4)
    with served_process(tmp_path, KEY, SECRET, **QUIET) as (base, process):
        result = asyncio.run(
            saturate(base, process.pid, BASIC, pool.body, clients=300, requests_per_client=2)
        )
        summary = result.summary()
        assert result.transport_errors == [], summary
        assert set(result.statuses) <= {200, 503}, summary
        assert result.accepted > 0, summary
        assert result.shed > 0, summary
        assert result.shed_without_retry_after == 0, summary
        assert result.peak_rss < GiB, summary
        assert set(result.read_statuses) <= {200, 503}, summary  # reads answered throughout
        assert len(result.accepted_ids) == result.accepted * 2000, summary
        assert set(result.accepted_ids) <= _stored_ids(tmp_path), summary
        assert httpx.get(f"{base}/readyz").status_code == 200


def _dense_statement(entries: int) -> bytes:
    """A statement whose extension is `[{},{},…]` with `entries` empty objects."""
    head = statement(result={"extensions": {"http://example.org/ext": "__dense__"}})
    dense = b"[" + b",".join([b"{}"] * entries) + b"]"
    return orjson.dumps(head).replace(b'"__dense__"', dense)


def test_dense_json_is_refused_before_it_is_parsed(tmp_path: Path) -> None:
    """Six 19.9 MB statements whose extension holds 6.6 million `{}` (600 MiB each once
    parsed, 2.2 GB for six) are refused with 413 without parsing, while a statement with a
    1 MB text extension full of commas and colons is stored."""
    dense = _dense_statement(6_600_000)
    assert len(dense) > 19_000_000
    with served_process(tmp_path, KEY, SECRET, **QUIET) as (base, process):
        idle = rss_bytes(process.pid)
        peak = idle

        async def send_six() -> list[httpx.Response]:
            async with httpx.AsyncClient(base_url=base, headers=HEADERS, timeout=120) as http:
                sends = [
                    http.post(
                        "/xapi/statements",
                        content=dense,
                        headers={"Content-Type": "application/json"},
                    )
                    for _ in range(6)
                ]
                return await asyncio.gather(*sends)

        async def watch(task: asyncio.Task[list[httpx.Response]]) -> None:
            nonlocal peak
            while not task.done():
                peak = max(peak, rss_bytes(process.pid))
                await asyncio.sleep(0.02)

        async def run() -> list[httpx.Response]:
            task = asyncio.create_task(send_six())
            await watch(task)
            return await task

        answers = asyncio.run(run())
        statuses = Counter(answer.status_code for answer in answers)
        assert set(statuses) <= {413, 503}, statuses
        assert statuses[413] >= 1, statuses
        for answer in answers:
            assert answer.headers["X-Experience-API-Version"] == "2.0.0"
            if answer.status_code == 413:
                assert "JSON values" in answer.json()["message"]
        assert peak - idle < 400 * MiB, f"peak {peak / MiB:.0f} MiB, idle {idle / MiB:.0f} MiB"

        text = ("word, and: more; " * 62_000)[:1_000_000]
        real = statement(result={"extensions": {"http://example.org/essay": text}})
        stored = httpx.post(f"{base}/xapi/statements", json=real, headers=HEADERS, timeout=60)
        assert stored.status_code == 200, stored.text
        got = httpx.get(
            f"{base}/xapi/statements", params={"statementId": real["id"]}, headers=HEADERS
        )
        assert got.json()["result"]["extensions"]["http://example.org/essay"] == text


def _stalled_upload(base: str, authorization: str) -> socket.socket:
    """A POST whose headers promise 1,000 bytes of which none arrive: admitted, it holds its
    slot until the connection closes."""
    host, port = base.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)))
    sock.sendall(
        b"POST /xapi/statements HTTP/1.1\r\nHost: lrs\r\n"
        b"Content-Type: application/json\r\nContent-Length: 1000\r\n"
        b"X-Experience-API-Version: 2.0.0\r\n"
        b"Authorization: " + authorization.encode() + b"\r\n\r\n"
    )
    return sock


def test_one_credential_cannot_take_every_write_slot(tmp_path: Path) -> None:
    """With 4 write slots, one credential that holds stalled uploads gets at most 2 of them
    (503 with Retry-After beyond), and another credential's POST is still stored."""
    settings = {**QUIET, "LRS_MAX_PENDING_WRITES": "4"}
    with served_process(tmp_path, KEY, SECRET, **settings) as (base, _):
        with httpx.Client(base_url=base, headers=HEADERS, timeout=30) as admin:
            issued = admin.post("/admin/credentials", json={"name": "LXP", "scopes": ["all"]})
            assert issued.status_code == 201, issued.text
            other = basic_auth(issued.json()["key"], issued.json()["secret"])
            hog = [_stalled_upload(base, BASIC) for _ in range(2)]
            try:
                time.sleep(0.5)  # both are admitted and wait for their bodies
                more = admin.post("/xapi/statements", json=statement())
                assert more.status_code == 503, more.text
                assert more.headers["Retry-After"] == "1"
                assert "share" in more.json()["message"]
                sent = statement()
                theirs = admin.post("/xapi/statements", json=sent, headers={"Authorization": other})
                assert theirs.status_code == 200, theirs.text
                assert theirs.json() == [sent["id"]]
            finally:
                for sock in hog:
                    sock.close()
        metrics = httpx.get(f"{base}/metrics", headers={"Authorization": BASIC}).text
        assert 'lrs_http_requests_shed_total{limit="credential_share"} 1.0' in metrics


def test_readyz_reports_writes_refused_for_longer_than_the_threshold(tmp_path: Path) -> None:
    """A stalled upload holds the credential's only write slot; while its further POSTs are
    refused for over LRS_WRITE_SATURATION_SECONDS, /readyz answers 503 naming admission, and
    it is ready again a moment after the refusals stop."""
    settings = {**QUIET, "LRS_MAX_PENDING_WRITES": "2", "LRS_WRITE_SATURATION_SECONDS": "1"}
    with served_process(tmp_path, KEY, SECRET, **settings) as (base, _):
        held = _stalled_upload(base, BASIC)
        try:
            with httpx.Client(base_url=base, headers=HEADERS, timeout=30) as client:
                time.sleep(0.3)
                assert client.get("/readyz").status_code == 200
                began = time.monotonic()
                while time.monotonic() - began < 1.6:
                    assert client.post("/xapi/statements", json=statement()).status_code == 503
                    time.sleep(0.1)
                saturated = client.get("/readyz")
                assert saturated.status_code == 503, saturated.text
                assert saturated.json()["checks"]["admission"]["ok"] is False
                time.sleep(1.5)
                assert client.get("/readyz").status_code == 200
        finally:
            held.close()

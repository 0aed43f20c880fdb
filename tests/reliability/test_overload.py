"""Bounded under overload, with a real process (issue 9): a saturated LRS refuses the excess
with 503 and Retry-After instead of making clients wait, keeps every statement it
acknowledged, keeps its memory bounded, answers its operations endpoints throughout and
serves normally again once the load is gone."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import orjson

from loadtests.saturate import rss_bytes, saturate
from tests.builders import statement
from tests.conftest import BASIC, KEY, SECRET
from tests.server.served import served_process

CLIENTS = 64
REQUESTS_PER_CLIENT = 8
BATCH = 5
RSS_BOUND = 400 * 2**20  # the idle service takes about a quarter of this
LIMITS = {
    "LRS_MAX_INFLIGHT_REQUESTS": "8",
    "LRS_MAX_PENDING_WRITES": "4",
    "LRS_LOG_LEVEL": "warning",
}
HEADERS = {"Authorization": BASIC, "X-Experience-API-Version": "2.0.0"}


def _batch(number: int) -> bytes:
    return orjson.dumps([statement() for _ in range(BATCH)])


def _stored_ids(base: str) -> set[str]:
    """Every statement id GET /statements pages through (SR-46 `more` links)."""
    ids: set[str] = set()
    url = "/xapi/statements?limit=100"
    with httpx.Client(base_url=base, headers=HEADERS, timeout=60) as client:
        while url:
            page = client.get(url)
            assert page.status_code == 200, page.text
            result = page.json()
            ids |= {s["id"] for s in result["statements"]}
            url = result["more"]
    return ids


def test_saturated_service_sheds_promptly_and_recovers(tmp_path: Path) -> None:
    with served_process(tmp_path, KEY, SECRET, **LIMITS) as (base, process):
        idle_rss = rss_bytes(process.pid)
        load = saturate(
            base,
            process.pid,
            BASIC,
            _batch,
            clients=CLIENTS,
            requests_per_client=REQUESTS_PER_CLIENT,
        )
        result = asyncio.run(load)
        summary = f"{result.summary()}\nidle RSS {idle_rss / 2**20:.1f} MiB"

        assert result.transport_errors == [], summary  # nobody waited until a timeout
        assert set(result.statuses) <= {200, 503}, summary
        assert result.accepted > 0, summary
        assert result.shed > 0, summary  # 64 clients against 8 admitted requests
        assert result.shed_without_retry_after == 0, summary
        for body in result.shed_bodies:
            error = orjson.loads(body)
            assert error["error"] is True, body
            assert error["status"] == 503, body

        assert set(result.probe_statuses) == {200}, summary  # /healthz, /metrics stayed up
        assert result.peak_rss < RSS_BOUND, summary

        with httpx.Client(base_url=base, headers=HEADERS, timeout=60) as client:
            after = client.post("/xapi/statements", json=statement())  # recovered by itself
            assert after.status_code == 200, after.text
            assert client.get("/readyz").status_code == 200
            metrics = client.get("/metrics").text
        # one credential holds at most half of the 4 write slots
        assert 'lrs_http_requests_shed_total{limit="credential_share"}' in metrics
        assert set(result.accepted_ids) | set(after.json()) <= _stored_ids(base), summary
        assert len(result.accepted_ids) == result.accepted * BATCH

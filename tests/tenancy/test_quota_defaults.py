"""Quotas are opt-in: a default start refuses no request for its rate; a configured quota does.

Both tests send the same load to a served process: 2,000 single-statement POSTs from one
credential over 40 keep-alive connections at once. Under the former default quota (100/s, burst
200, the second test) any 2,000 requests sent within 18 s drew 429s.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import orjson

from loadtests.saturate import SaturationResult, saturate
from tests.builders import statement
from tests.conftest import BASIC, KEY, SECRET
from tests.server.served import served_process

CLIENTS = 40  # well under the default admission limits (320 requests, 256 writes): no 503
PER_CLIENT = 50
TOTAL = CLIENTS * PER_CLIENT


def _one_statement(number: int) -> bytes:
    return orjson.dumps(statement())


def _blast(base: str, pid: int) -> SaturationResult:
    load = saturate(
        base,
        pid,
        BASIC,
        _one_statement,
        clients=CLIENTS,
        requests_per_client=PER_CLIENT,
        probe=False,
    )
    return asyncio.run(load)


def test_a_default_start_sends_no_429(tmp_path: Path) -> None:
    """Only LRS_BOOTSTRAP_KEY/SECRET set: 2,000 POSTs of one credential are all stored."""
    with served_process(tmp_path, KEY, SECRET) as (base, process):
        result = _blast(base, process.pid)
    assert result.transport_errors == [], result.summary()
    assert result.statuses == {200: TOTAL}, result.summary()
    assert len(set(result.accepted_ids)) == TOTAL


def test_a_configured_quota_answers_429_with_retry_after(tmp_path: Path) -> None:
    """LRS_RATE_LIMIT_PER_SECOND set: the same load is refused past the bucket, with Retry-After."""
    quota = {"LRS_RATE_LIMIT_PER_SECOND": "100", "LRS_RATE_LIMIT_BURST": "200"}
    with served_process(tmp_path, KEY, SECRET, **quota) as (base, process):
        result = _blast(base, process.pid)
    assert result.transport_errors == [], result.summary()
    assert set(result.statuses) == {200, 429}, result.summary()
    assert result.statuses[200] >= 200, result.summary()  # the burst, at least
    assert result.shed_without_retry_after == 0, result.summary()
    for body in result.shed_bodies:
        error = orjson.loads(body)
        assert error["status"] == 429, body
        assert "rate limit of 100 requests/s" in error["message"], body

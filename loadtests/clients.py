"""The bench's loader processes: ingest, the loader's ceiling and GET query latency.

Each function runs in its own process (uvloop, pre-encoded requests) and returns plain results.
"""

from __future__ import annotations

import time
from typing import Any

import orjson
import uvloop

from loadtests.bodies import BodyPool
from loadtests.queries import QueryShapes
from loadtests.rawhttp import RunStats, closed_loop, connect, encode_request, percentile
from loadtests.server import AUTH

HOST = "127.0.0.1"
VERSION = "2.0.0"
POST_HEADERS = {
    "Authorization": AUTH,
    "X-Experience-API-Version": VERSION,
    "Content-Type": "application/json",
}
GET_HEADERS = {"Authorization": AUTH, "X-Experience-API-Version": VERSION}


def _posting(pool: BodyPool, path: str = "/xapi/statements") -> Any:
    def make(number: int) -> tuple[bytes, int]:
        return encode_request("POST", path, POST_HEADERS, pool.body(number)), pool.batch_size

    return make


def ingest_client(port: int, batch: int, concurrency: int, seconds: float, share: int) -> RunStats:
    """POST batches of `batch` statements for `seconds` with this process's share of connections."""
    pool = BodyPool(batch, pool=64 if batch <= 100 else 16)
    conns = max(1, concurrency // share)
    return uvloop.run(closed_loop(HOST, port, _posting(pool), concurrency=conns, seconds=seconds))


def ceiling_client(port: int, batch: int, concurrency: int, seconds: float, share: int) -> RunStats:
    """The same requests against the do-nothing stub server: what the loader alone manages."""
    return ingest_client(port, batch, concurrency, seconds, share)


async def _time_shape(port: int, targets: list[str]) -> dict[str, Any]:
    conn = await connect(HOST, port)
    latencies: list[float] = []
    errors = 0
    sizes = 0
    try:
        for target in targets:
            raw = encode_request("GET", target, GET_HEADERS)
            started = time.perf_counter()
            status, body = await conn.request(raw)
            latencies.append((time.perf_counter() - started) * 1000)
            errors += status != 200
            sizes += body.count(b'"id"') and len(orjson.loads(body)["statements"])
    finally:
        if conn.transport is not None:
            conn.transport.close()
    return {
        "requests": len(targets),
        "errors": errors,
        "mean_statements": round(sizes / max(1, len(targets)), 1),
        "p50_ms": round(percentile(latencies, 0.5), 2),
        "p95_ms": round(percentile(latencies, 0.95), 2),
        "p99_ms": round(percentile(latencies, 0.99), 2),
    }


async def _paging(port: int, pages: int) -> dict[str, Any]:
    """Follow `more` from the newest statements through `pages` pages."""
    conn = await connect(HOST, port)
    latencies: list[float] = []
    target = "/xapi/statements?limit=50"
    followed = 0
    errors = 0
    try:
        while target and followed < pages:
            started = time.perf_counter()
            status, body = await conn.request(encode_request("GET", target, GET_HEADERS))
            latencies.append((time.perf_counter() - started) * 1000)
            followed += 1
            errors += status != 200
            target = orjson.loads(body).get("more", "") if status == 200 else ""
    finally:
        if conn.transport is not None:
            conn.transport.close()
    return {
        "requests": followed,
        "errors": errors,
        "mean_statements": 50,
        "p50_ms": round(percentile(latencies, 0.5), 2),
        "p95_ms": round(percentile(latencies, 0.95), 2),
        "p99_ms": round(percentile(latencies, 0.99), 2),
    }


def query_client(port: int, requests: int, share: int) -> dict[str, dict[str, Any]]:
    """Latency of every GET filter shape, one request at a time, `requests` of each."""
    shapes = QueryShapes()

    async def run() -> dict[str, dict[str, Any]]:
        results = {}
        for name, make in shapes.shapes().items():
            results[name] = await _time_shape(port, [make() for _ in range(requests)])
        results["more paging"] = await _paging(port, requests)
        return results

    return uvloop.run(run())

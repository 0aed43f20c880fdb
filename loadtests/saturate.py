"""Saturate a served LRS with statement POSTs and watch how it refuses what it cannot take.

Many concurrent clients send without pause and without honouring Retry-After; meanwhile a probe
reads /healthz and /metrics and the server's resident memory. The clients use the cheap raw
HTTP client, so the server, not the load generator, is what saturates. Used by `python -m
loadtests.overload` and by the overload test (issue 9); needs only httpx, not the load extra.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import orjson

from loadtests.rawhttp import HTTPError, _Connection, connect, encode_request, percentile

VERSION = "2.0.0"
OVERLOAD = frozenset({429, 503})


def rss_bytes(pid: int) -> int:
    """Resident memory of a process, from /proc (Linux); 0 when it is gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


@dataclass
class SaturationResult:
    """What the clients saw, and what the probe saw while they ran."""

    statuses: Counter[int] = field(default_factory=Counter)
    accepted_ids: list[str] = field(default_factory=list)
    accepted_seconds: list[float] = field(default_factory=list)
    shed_seconds: list[float] = field(default_factory=list)
    shed_without_retry_after: int = 0
    shed_bodies: Counter[bytes] = field(default_factory=Counter)
    transport_errors: list[str] = field(default_factory=list)
    probe_statuses: Counter[int] = field(default_factory=Counter)
    read_statuses: Counter[int] = field(default_factory=Counter)
    read_seconds: list[float] = field(default_factory=list)
    peak_rss: int = 0
    seconds: float = 0.0

    def merge(self, other: SaturationResult) -> None:
        """Add another client process's result to this one."""
        self.statuses += other.statuses
        self.accepted_ids += other.accepted_ids
        self.accepted_seconds += other.accepted_seconds
        self.shed_seconds += other.shed_seconds
        self.shed_without_retry_after += other.shed_without_retry_after
        self.shed_bodies += other.shed_bodies
        self.transport_errors += other.transport_errors
        self.probe_statuses += other.probe_statuses
        self.read_statuses += other.read_statuses
        self.read_seconds += other.read_seconds
        self.peak_rss = max(self.peak_rss, other.peak_rss)
        self.seconds = max(self.seconds, other.seconds)

    @property
    def accepted(self) -> int:
        return self.statuses[200]

    @property
    def shed(self) -> int:
        return sum(n for status, n in self.statuses.items() if status in OVERLOAD)

    def summary(self) -> str:
        """The result as a few aligned lines."""
        ms = 1000
        kinds = sorted(set(self.transport_errors))[:3]
        return "\n".join(
            (
                f"requests      {sum(self.statuses.values())} in {self.seconds:.1f} s",
                f"statuses      {dict(sorted(self.statuses.items()))}",
                f"accepted      {self.accepted} ({len(self.accepted_ids)} statements)",
                f"shed          {self.shed} (without Retry-After: {self.shed_without_retry_after})",
                f"shed p50/p99  {percentile(self.shed_seconds, 0.5) * ms:.1f} / "
                f"{percentile(self.shed_seconds, 0.99) * ms:.1f} ms",
                f"accepted p50/p99  {percentile(self.accepted_seconds, 0.5) * ms:.1f} / "
                f"{percentile(self.accepted_seconds, 0.99) * ms:.1f} ms",
                f"client errors {len(self.transport_errors)} {kinds}",
                f"probes        {dict(self.probe_statuses)} (/healthz and /metrics)",
                f"reads         {dict(self.read_statuses)} (GET /xapi/statements?limit=1), "
                f"p50/max {percentile(self.read_seconds, 0.5) * ms:.1f} / "
                f"{max(self.read_seconds, default=0.0) * ms:.1f} ms",
                f"peak RSS      {self.peak_rss / 2**20:.1f} MiB",
            )
        )


def _retry_after(head: bytes) -> bytes | None:
    start = head.find(b"\r\nretry-after:")
    if start < 0:
        return None
    stop = head.find(b"\r\n", start + 2)
    return head[start + 14 : stop if stop >= 0 else len(head)].strip()


async def _client(
    address: tuple[str, int],
    numbers: range,
    request: Callable[[int], bytes],
    patience: float,
    result: SaturationResult,
) -> None:
    """One keep-alive connection sending its requests back to back (a new one after a failure)."""
    conn: _Connection | None = None
    for number in numbers:
        began = time.perf_counter()
        try:
            if conn is None:
                conn = await asyncio.wait_for(connect(*address), patience)
            status, body = await asyncio.wait_for(conn.request(request(number)), patience)
        except (OSError, HTTPError, TimeoutError) as exc:
            result.transport_errors.append(f"{type(exc).__name__}: {exc}")
            if conn is not None and conn.transport is not None:
                conn.transport.close()
            conn = None
            continue
        took = time.perf_counter() - began
        result.statuses[status] += 1
        if status == 200:
            result.accepted_ids += orjson.loads(body)
            result.accepted_seconds.append(took)
        elif status in OVERLOAD:
            result.shed_seconds.append(took)
            result.shed_bodies[body] += 1
            retry_after = _retry_after(conn.head)
            if retry_after is None or not retry_after.isdigit():
                result.shed_without_retry_after += 1
    if conn is not None and conn.transport is not None:
        conn.transport.close()


async def _probe(
    http: httpx.AsyncClient, pid: int, authorization: str, result: SaturationResult
) -> None:
    """Until cancelled: operations endpoints, an xAPI read (how long a reader waits while the
    writers saturate) and the server's RSS, ten times a second."""
    read = {"Authorization": authorization, "X-Experience-API-Version": VERSION}
    while True:
        result.peak_rss = max(result.peak_rss, rss_bytes(pid))
        for path in ("/healthz", "/metrics"):
            try:
                answer = await http.get(path, headers={"Authorization": authorization})
                result.probe_statuses[answer.status_code] += 1
            except httpx.TransportError as exc:
                result.transport_errors.append(f"probe {path}: {type(exc).__name__}")
        began = time.perf_counter()
        try:
            answer = await http.get("/xapi/statements", params={"limit": 1}, headers=read)
        except httpx.TransportError as exc:
            result.transport_errors.append(f"probe read: {type(exc).__name__}")
        else:
            result.read_statuses[answer.status_code] += 1
            result.read_seconds.append(time.perf_counter() - began)
        await asyncio.sleep(0.1)


async def saturate(
    base: str,
    pid: int,
    authorization: str,
    body: Callable[[int], bytes],
    *,
    clients: int,
    requests_per_client: int,
    client_timeout: float = 120.0,
    first: int = 0,
    probe: bool = True,
) -> SaturationResult:
    """`clients` connections each POST `requests_per_client` bodies back to back, numbered from
    `first`; with `probe`, the operations endpoints and RSS are watched meanwhile."""
    result = SaturationResult()
    headers = {
        "Authorization": authorization,
        "X-Experience-API-Version": VERSION,
        "Content-Type": "application/json",
    }
    url = httpx.URL(base)
    address = (url.host, url.port or 80)

    def request(number: int) -> bytes:
        return encode_request("POST", "/xapi/statements", headers, body(number))

    began = time.perf_counter()
    async with httpx.AsyncClient(base_url=base, timeout=client_timeout) as probe_http:
        watcher = (
            asyncio.create_task(_probe(probe_http, pid, authorization, result)) if probe else None
        )
        n = requests_per_client
        await asyncio.gather(
            *(
                _client(
                    address,
                    range(first + i * n, first + (i + 1) * n),
                    request,
                    client_timeout,
                    result,
                )
                for i in range(clients)
            )
        )
        if watcher is not None:
            watcher.cancel()
            await asyncio.gather(watcher, return_exceptions=True)
    result.seconds = time.perf_counter() - began
    result.peak_rss = max(result.peak_rss, rss_bytes(pid))
    return result

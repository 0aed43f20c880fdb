"""A minimal keep-alive HTTP/1.1 client on asyncio protocols: the cheapest load generator here.

Requests are pre-encoded bytes; responses are parsed only as far as the status line and
Content-Length. Closed-loop workers keep a fixed number of requests in flight for a fixed time,
so every run stops by itself. Loopback targets only.
"""

from __future__ import annotations

import asyncio
import base64
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import cast

_HEADER_END = b"\r\n\r\n"


class HTTPError(Exception):
    """A response this client cannot read (chunked, malformed) or a closed connection."""


class _Connection(asyncio.Protocol):
    """One keep-alive connection with at most one request in flight."""

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._waiter: asyncio.Future[tuple[int, bytes]] | None = None
        self.transport: asyncio.Transport | None = None
        self.head = b""  # the last response's status line and headers, lowercased

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)

    def connection_lost(self, exc: Exception | None) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_exception(HTTPError(f"connection lost: {exc}"))

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        waiter = self._waiter
        if waiter is None:
            return
        end = self._buffer.find(_HEADER_END)
        if end < 0:
            return
        head = bytes(self._buffer[:end]).lower()
        start = head.find(b"content-length:")
        if start < 0:
            waiter.set_exception(HTTPError("response without Content-Length"))
            return
        stop = head.find(b"\r\n", start)
        length = int(head[start + 15 : stop if stop >= 0 else len(head)])
        total = end + 4 + length
        if len(self._buffer) < total:
            return
        body = bytes(self._buffer[end + 4 : total])
        del self._buffer[:total]
        self._waiter = None
        self.head = head
        waiter.set_result((int(head[9:12]), body))

    async def request(self, raw: bytes) -> tuple[int, bytes]:
        """Send one pre-encoded request; its status and body."""
        assert self.transport is not None
        self._waiter = asyncio.get_running_loop().create_future()
        self.transport.write(raw)
        return await self._waiter


async def connect(host: str, port: int) -> _Connection:
    transport, protocol = await asyncio.get_running_loop().create_connection(
        _Connection, host, port
    )
    protocol.transport = transport
    return protocol


def encode_request(method: str, target: str, headers: dict[str, str], body: bytes = b"") -> bytes:
    """The bytes of one HTTP/1.1 request."""
    lines = [f"{method} {target} HTTP/1.1", "Host: 127.0.0.1"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    if body or method in ("POST", "PUT"):
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def basic_auth(key: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{key}:{secret}".encode()).decode()


@dataclass
class RunStats:
    """What a closed-loop run measured; latencies in milliseconds."""

    seconds: float = 0.0
    requests: int = 0
    items: int = 0
    errors: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    first_error: str = ""

    def merge(self, other: RunStats) -> None:
        self.seconds = max(self.seconds, other.seconds)
        self.requests += other.requests
        self.items += other.items
        self.errors += other.errors
        self.latencies_ms += other.latencies_ms
        self.first_error = self.first_error or other.first_error


RequestMaker = Callable[[int], tuple[bytes, int]]
"""Request number -> (request bytes, items it carries, e.g. statements)."""


async def closed_loop(
    host: str,
    port: int,
    make_request: RequestMaker,
    *,
    concurrency: int,
    seconds: float,
    max_requests: int | None = None,
    ok_status: tuple[int, ...] = (200, 204),
) -> RunStats:
    """`concurrency` connections send requests back to back until `seconds` or `max_requests`."""
    stats = RunStats()
    counter = iter(range(max_requests if max_requests is not None else 2**62))
    started = time.perf_counter()
    deadline = started + seconds

    async def worker() -> None:
        conn = await connect(host, port)
        try:
            while time.perf_counter() < deadline:
                number = next(counter, None)
                if number is None:
                    return
                raw, items = make_request(number)
                sent = time.perf_counter()
                status, body = await conn.request(raw)
                stats.latencies_ms.append((time.perf_counter() - sent) * 1000)
                stats.requests += 1
                if status in ok_status:
                    stats.items += items
                else:
                    stats.errors += 1
                    stats.first_error = stats.first_error or f"{status} {body[:200]!r}"
        finally:
            if conn.transport is not None:
                conn.transport.close()

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    stats.seconds = time.perf_counter() - started
    return stats


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile; 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))
    return ordered[index]

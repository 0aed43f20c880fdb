"""A do-nothing HTTP server that answers every request at once: the loader's own ceiling."""

from __future__ import annotations

import asyncio
import multiprocessing
import time
from multiprocessing.synchronize import Event
from typing import cast

import uvloop

_RESPONSE = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n[]"


class _Echo(asyncio.Protocol):
    """Reads whole requests (headers and Content-Length body) and answers each with []."""

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        while True:
            end = self._buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            head = bytes(self._buffer[:end]).lower()
            start = head.find(b"content-length:")
            length = 0
            if start >= 0:
                stop = head.find(b"\r\n", start)
                length = int(head[start + 15 : stop if stop >= 0 else len(head)])
            if len(self._buffer) < end + 4 + length:
                return
            del self._buffer[: end + 4 + length]
            assert self._transport is not None
            self._transport.write(_RESPONSE)


def _serve(port: int, ready: Event, seconds: float) -> None:
    async def main() -> None:
        server = await asyncio.get_running_loop().create_server(_Echo, "127.0.0.1", port)
        ready.set()
        await asyncio.sleep(seconds)
        server.close()

    uvloop.run(main())


def start_stub(port: int, seconds: float) -> multiprocessing.Process:
    """A stub server process on 127.0.0.1:`port` that exits by itself after `seconds`."""
    ready = multiprocessing.Event()
    process = multiprocessing.Process(target=_serve, args=(port, ready, seconds), daemon=True)
    process.start()
    deadline = time.monotonic() + 10
    while not ready.wait(0.1):
        if time.monotonic() > deadline or not process.is_alive():
            raise RuntimeError("the stub server did not start")
    return process

"""A real downstream for forwarding tests: a tiny ASGI app served by uvicorn on loopback."""

from __future__ import annotations

import asyncio
import socket
from dataclasses import dataclass, field
from typing import Any

import orjson
import uvicorn
from starlette.types import Receive, Scope, Send

from service.xapi.multipart import boundary_of, parse_multipart_mixed


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Receiver:
    """Records every statement POSTed to /xapi/statements or /hook; `mode` scripts failures."""

    mode: str = "ok"  # "ok", "fail" (HTTP 500) or "hang" (answer after `hang_seconds`)
    hang_seconds: float = 5.0
    statements: list[dict[str, Any]] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)  # path, headers, body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        assert scope["type"] == "http"
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = {k.decode(): v.decode() for k, v in scope["headers"]}
        self.requests.append({"path": scope["path"], "headers": headers, "body": body})
        if self.mode == "hang":
            await asyncio.sleep(self.hang_seconds)
        if self.mode == "fail":
            await _answer(send, 500, b'{"error":"down for maintenance"}')
            return
        content_type = headers.get("content-type", "")
        if content_type.startswith("multipart/mixed"):  # statements with attachment data
            body = parse_multipart_mixed(body, boundary_of(content_type))[0].body
        data = orjson.loads(body)
        received = data["statements"] if isinstance(data, dict) else data
        self.statements.extend(received)
        await _answer(send, 200, orjson.dumps([s["id"] for s in received]))

    @property
    def ids(self) -> list[str]:
        return [s["id"] for s in self.statements]


async def _answer(send: Send, status: int, body: bytes) -> None:
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class Served:
    """`async with Served(receiver, port)`: uvicorn serving the receiver until the block ends."""

    def __init__(self, app: Receiver, port: int) -> None:
        config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
        config.lifespan = "off"
        self.server = uvicorn.Server(config)
        self.task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> Served:
        self.task = asyncio.create_task(self.server.serve())
        for _ in range(500):
            if self.server.started:
                return self
            await asyncio.sleep(0.01)
        raise RuntimeError("the receiver did not start")

    async def __aexit__(self, *exc: object) -> None:
        self.server.should_exit = True
        if self.task is not None:
            await self.task

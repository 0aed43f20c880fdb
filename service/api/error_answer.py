"""The one renderer of error answers: status, xAPI error body and headers, built once and sent
as a Response (FastAPI's handlers), as ASGI messages (pure ASGI middleware) or as the bytes of
a whole HTTP/1.1 response (the uvicorn protocol layer).

Every form carries `Content-Type: application/json`, the `Content-Length` of the body and the
headers the error carries itself (`Retry-After`, `WWW-Authenticate`, `Connection: close`). An
answer to HEAD has the same headers, `Content-Length` included, and no body: RFC 9110 (8.6,
9.3.2) lets a HEAD response carry only the length GET would have sent, never another one.
"""

from __future__ import annotations

import http
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import orjson
from starlette.datastructures import Headers
from starlette.responses import Response
from starlette.types import Scope, Send

from service.model.errors import LRSError
from service.xapi.versions import negotiate_version

VERSION_HEADER = "X-Experience-API-Version"
JSON = "application/json"
RawHeaders = list[tuple[bytes, bytes]]


def error_body(status: int, message: str, details: Mapping[str, Any] | None = None) -> bytes:
    """The JSON body of every error response; `details` are members added after `message`."""
    return orjson.dumps({"error": True, "status": status, "message": message, **(details or {})})


def request_version(scope: Scope, default: str) -> str:
    """The xAPI version to answer a request in: the one it asked for if usable, else `default`."""
    return negotiate_version(Headers(scope=scope).get("x-experience-api-version")) or default


@dataclass(frozen=True, slots=True)
class ErrorAnswer:
    """One error answer: its status, body and every header but the shared transport ones."""

    status: int
    body: bytes
    headers: tuple[tuple[str, str], ...]

    @classmethod
    def build(
        cls,
        status: int,
        message: str,
        *,
        headers: Mapping[str, str] | None = None,
        details: Mapping[str, Any] | None = None,
        version: str | None = None,
    ) -> ErrorAnswer:
        """`version` adds the version header; under the xAPI base path it is
        XAPIProtocolMiddleware's to add, so handlers leave it out."""
        body = error_body(status, message, details)
        fields = [("Content-Type", JSON), ("Content-Length", str(len(body)))]
        fields += (headers or {}).items()
        if version is not None:
            fields.append((VERSION_HEADER, version))
        return cls(status, body, tuple(fields))

    @classmethod
    def of(cls, error: LRSError, version: str | None = None) -> ErrorAnswer:
        """The answer to `error`, with the headers and body members it carries."""
        return cls.build(
            error.status,
            error.message,
            headers=error.headers,
            details=error.details,
            version=version,
        )

    def raw_headers(self) -> RawHeaders:
        return [(name.lower().encode(), value.encode("latin-1")) for name, value in self.headers]

    def response(self) -> Response:
        """The answer from a FastAPI exception handler."""
        return Response(self.body, status_code=self.status, headers=dict(self.headers))

    async def send(self, scope: Scope, send: Send) -> None:
        """The answer from pure ASGI middleware: start and body messages, no body for HEAD."""
        headers = self.raw_headers()
        await send({"type": "http.response.start", "status": self.status, "headers": headers})
        body = b"" if scope["method"] == "HEAD" else self.body
        await send({"type": "http.response.body", "body": body})

    def http11(self, defaults: RawHeaders) -> bytes:
        """The whole HTTP/1.1 response after `defaults` (Server, Date), closing the connection."""
        headers = [*defaults, *self.raw_headers()]
        if not any(name == b"connection" for name, _ in headers):
            headers.append((b"connection", b"close"))
        lines = [f"HTTP/1.1 {self.status} {http.HTTPStatus(self.status).phrase}".encode()]
        lines += [name + b": " + value for name, value in headers]
        return b"\r\n".join(lines) + b"\r\n\r\n" + self.body

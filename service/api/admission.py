"""Pure ASGI middleware that sheds requests beyond capacity with 503 and Retry-After.

It runs before any handler reads a body, so a refused request costs a header parse and a short
JSON answer. Operations endpoints are never refused: they must answer while the service is full.
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from service.admission import Admission, Ticket
from service.api.content_encoding import request_encoding
from service.api.protocol import VERSION_HEADER, error_body
from service.errors import OVERLOAD_RETRY_AFTER
from service.xapi.versions import negotiate_version

OPERATIONS = frozenset({"/healthz", "/readyz", "/metrics", "/version"})
WRITE_METHODS = frozenset({"POST", "PUT", "DELETE", "PATCH"})
MESSAGES = {
    "requests": "the service is at capacity; retry later",
    "writes": "too many writes are waiting for the store; retry later",
    "body_bytes": "too many request bytes are being received; retry later",
}


def ticket_for(scope: Scope, chunked_bytes: int) -> Ticket:
    """The cost of a request from its method and declared length (chunked or compressed:
    `chunked_bytes`)."""
    headers = Headers(scope=scope)
    length = headers.get("content-length")
    if request_encoding(scope) is not None:
        size = chunked_bytes  # a compressed body decodes to up to the body limit
    elif length is not None and length.isdigit():
        size = int(length)
    elif "transfer-encoding" in headers:
        size = chunked_bytes
    else:
        size = 0  # no length and not chunked: no body; a bad length is the handler's 400
    return Ticket(write=scope["method"] in WRITE_METHODS, body_bytes=size)


class AdmissionMiddleware:
    """See the module docstring; `on_shed(limit)` counts each refusal."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        admission: Admission,
        default_version: str,
        chunked_bytes: int,
        on_shed: Callable[[str], None],
    ) -> None:
        self.app = app
        self.admission = admission
        self.default_version = default_version
        self.chunked_bytes = chunked_bytes
        self.on_shed = on_shed

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in OPERATIONS:
            await self.app(scope, receive, send)
            return
        ticket = ticket_for(scope, self.chunked_bytes)
        refused = await self.admission.enter(ticket)
        if refused is not None:
            self.on_shed(refused)
            await self._refuse(scope, send, refused)
            return
        try:
            await self.app(scope, receive, send)
        finally:
            self.admission.leave(ticket)

    async def _refuse(self, scope: Scope, send: Send, limit: str) -> None:
        """503 with Retry-After, the xAPI error body and version header; the body stays unread."""
        body = error_body(503, MESSAGES[limit])
        sent = Headers(scope=scope).get("x-experience-api-version")
        version = negotiate_version(sent) or self.default_version
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"retry-after", str(OVERLOAD_RETRY_AFTER).encode()),
            (VERSION_HEADER.lower().encode(), version.encode()),
        ]
        await send({"type": "http.response.start", "status": 503, "headers": headers})
        await send(
            {"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body}
        )

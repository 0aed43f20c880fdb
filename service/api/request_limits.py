"""Pure ASGI middleware bounding what a request may carry besides its body.

Oversized header blocks get 431 and oversized query strings 414, before authentication or
routing, with the xAPI version header (T-2) like every other response.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from service.api.error_answer import ErrorAnswer, request_version
from service.model.errors import HeaderFieldsTooLargeError, LRSError, URITooLongError

HEADER_OVERHEAD = 4  # ": " and CRLF of each header line


def header_bytes(scope: Scope) -> int:
    """The size of the request's header block as sent on the wire (HTTP/1.1)."""
    return sum(len(name) + len(value) + HEADER_OVERHEAD for name, value in scope["headers"])


class RequestLimitsMiddleware:
    """See the module docstring."""

    def __init__(
        self, app: ASGIApp, *, max_header_bytes: int, max_query_bytes: int, default_version: str
    ) -> None:
        self.app = app
        self.max_header_bytes = max_header_bytes
        self.max_query_bytes = max_query_bytes
        self.default_version = default_version

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if header_bytes(scope) > self.max_header_bytes:
            message = f"the request headers exceed the limit of {self.max_header_bytes} bytes"
            await self._refuse(scope, send, HeaderFieldsTooLargeError(message))
        elif len(scope.get("query_string", b"")) > self.max_query_bytes:
            message = f"the query string exceeds the limit of {self.max_query_bytes} bytes"
            await self._refuse(scope, send, URITooLongError(message))
        else:
            await self.app(scope, receive, send)

    async def _refuse(self, scope: Scope, send: Send, error: LRSError) -> None:
        version = request_version(scope, self.default_version)
        await ErrorAnswer.of(error, version).send(scope, send)

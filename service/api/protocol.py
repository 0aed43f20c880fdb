"""Pure ASGI middleware for what every xAPI request and response shares.

Order (digest section 10): CORS preflight, alternate syntax, version header; then on every
response the version header (T-2), CORS headers (T-23), Consistent-Through on statements
(T-18) and an empty body for HEAD (T-20).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from urllib.parse import parse_qsl

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.api.alternate_syntax import (
    check_alternate_request,
    rewrite_alternate_request,
    wants_alternate_syntax,
)
from service.api.bodies import check_declared_length, read_limited
from service.api.error_answer import VERSION_HEADER, ErrorAnswer
from service.model.errors import BadRequestError, LRSError
from service.xapi.timestamps import format_ms
from service.xapi.versions import is_v2, negotiate_version

CONSISTENT_THROUGH = "X-Experience-API-Consistent-Through"
ALLOW_METHODS = "GET, HEAD, PUT, POST, DELETE, OPTIONS"
ALLOW_HEADERS = (
    "Authorization, Content-Type, Content-Length, If-Match, If-None-Match, "
    "X-Experience-API-Version, Accept-Language, X-Request-Id"
)
EXPOSE_HEADERS = (
    "ETag, Last-Modified, Content-Type, Content-Length, WWW-Authenticate, "
    "X-Experience-API-Version, X-Experience-API-Consistent-Through, X-Request-Id"
)
VERSION_STATE = "xapi_version"
log = logging.getLogger("service.api")


class XAPIProtocolMiddleware:
    """See the module docstring."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        prefix: str,
        default_version: str,
        cors_origins: str,
        max_body_bytes: int,
        consistent_through_ms: Callable[[], int],
    ) -> None:
        self.app = app
        self.prefix = prefix
        self.default_version = default_version
        self.origins = {o.strip() for o in cors_origins.split(",") if o.strip()}
        self.max_body_bytes = max_body_bytes
        self.consistent_through_ms = consistent_through_ms

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        if not (path == self.prefix or path.startswith(self.prefix + "/")):
            await self.app(scope, receive, send)
            return
        resource = path[len(self.prefix) :].strip("/")
        if path.endswith("/") and resource:
            scope = {**scope, "path": path.rstrip("/")}  # T-0: with or without trailing slash
        headers = Headers(scope=scope)
        version = negotiate_version(headers.get("x-experience-api-version"))
        respond = _Responder(self, scope, send, resource, headers.get("origin"))
        if scope["method"] == "OPTIONS" and "access-control-request-method" in headers:
            await respond.preflight(version or self.default_version)
            return
        try:
            query = parse_qsl(scope.get("query_string", b"").decode("latin-1"), True)
            if wants_alternate_syntax(query):
                scope, receive, version = await self._alternate(scope, receive, query, version)
            if version is None and resource != "about":
                raise BadRequestError(
                    "missing or unsupported X-Experience-API-Version header (use 1.0.x or 2.0.x)"
                )
        except LRSError as error:
            await respond.error(version or self.default_version, error)
            return
        state = scope.setdefault("state", {})
        state[VERSION_STATE] = version or self.default_version
        respond.scope = scope
        try:
            await self.app(scope, receive, respond.wrap(state[VERSION_STATE]))
        except Exception as exc:
            if respond.started:
                raise
            # Starlette renders unexpected errors outside every middleware, without the
            # version header (T-2) or Consistent-Through (T-18); answer the 500 here instead.
            log.exception("unexpected error", exc_info=exc)
            await respond.error(state[VERSION_STATE], LRSError("internal error"))

    async def _alternate(
        self, scope: Scope, receive: Receive, query: list[tuple[str, str]], version: str | None
    ) -> tuple[Scope, Receive, str | None]:
        """Decode the alternate syntax before authentication and version checks (T-9, T-10)."""
        if version is not None and is_v2(version):
            raise BadRequestError("xAPI 2.0 removed the alternate request syntax")
        method = check_alternate_request(scope, query)
        check_declared_length(Headers(scope=scope).get("content-length"), self.max_body_bytes)
        form = await read_limited(receive, self.max_body_bytes)
        new_scope, body = rewrite_alternate_request(scope, method, form)
        new_version = negotiate_version(Headers(scope=new_scope).get("x-experience-api-version"))
        if new_version is not None and is_v2(new_version):
            raise BadRequestError("xAPI 2.0 removed the alternate request syntax")
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if sent:
                return await receive()
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        return new_scope, replay, new_version


class _Responder:
    """Adds the shared headers to whatever the application sends."""

    def __init__(
        self,
        owner: XAPIProtocolMiddleware,
        scope: Scope,
        send: Send,
        resource: str,
        origin: str | None,
    ) -> None:
        self.owner = owner
        self.scope = scope
        self.send = send
        self.resource = resource
        self.origin = origin
        self.started = False

    def _decorate(self, headers: MutableHeaders, version: str) -> None:
        headers[VERSION_HEADER] = version
        if self.resource == "statements" and CONSISTENT_THROUGH not in headers:
            headers[CONSISTENT_THROUGH] = format_ms(self.owner.consistent_through_ms())
        allowed = self._allowed_origin()
        if allowed is not None:
            headers["Access-Control-Allow-Origin"] = allowed
            headers["Access-Control-Expose-Headers"] = EXPOSE_HEADERS
            if allowed != "*":
                headers.add_vary_header("Origin")

    def _allowed_origin(self) -> str | None:
        if self.origin is None:
            return None
        if "*" in self.owner.origins:
            return "*"
        return self.origin if self.origin in self.owner.origins else None

    def wrap(self, version: str) -> Send:
        is_head = self.scope["method"] == "HEAD"

        async def send(message: Message) -> None:
            if message["type"] == "http.response.start":
                self.started = True
                self._decorate(MutableHeaders(scope=message), version)
            elif message["type"] == "http.response.body" and is_head:
                message = {**message, "body": b""}
            await self.send(message)

        return send

    async def preflight(self, version: str) -> None:
        headers = MutableHeaders()
        self._decorate(headers, version)
        headers["Access-Control-Allow-Methods"] = ALLOW_METHODS
        headers["Access-Control-Allow-Headers"] = ALLOW_HEADERS
        headers["Access-Control-Max-Age"] = "600"
        headers["Content-Length"] = "0"
        await self.send({"type": "http.response.start", "status": 204, "headers": headers.raw})
        await self.send({"type": "http.response.body", "body": b""})

    async def error(self, version: str, error: LRSError) -> None:
        """The error answer, decorated like every other response."""
        await ErrorAnswer.of(error).send(self.scope, self.wrap(version))

"""Pure ASGI middleware, outermost: request ids, the access log line and request metrics."""

from __future__ import annotations

import logging
import re
import time

from starlette.datastructures import MutableHeaders
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.model.ids import random_uuid
from service.ops.context import attach_facts, request_facts
from service.ops.logging import log_event
from service.ops.metrics import Metrics

REQUEST_ID = "X-Request-Id"
_REQUEST_ID_RAW = REQUEST_ID.lower().encode()
_VALID_ID = re.compile(r"[A-Za-z0-9._:/+=@-]{1,128}")
UNMATCHED = "unmatched"

access_log = logging.getLogger("service.access")


def accepted_request_id(raw: bytes | None) -> str | None:
    """The client's request id if it is short and made of safe characters, else None."""
    if raw is None:
        return None
    text = raw.decode("latin-1")
    return text if _VALID_ID.fullmatch(text) else None


def route_label(scope: Scope) -> str:
    """The template of the route the router chose, with any include prefix; else `unmatched`.

    Labels stay few whatever paths clients send: unrouted paths share one label.
    """
    route = scope.get("route")
    if not isinstance(route, Route):
        return UNMATCHED
    path: str = scope["path"]
    if not route.param_convertors:
        return path.rstrip("/") or "/"
    for cut, char in enumerate(path):
        if char == "/" and route.path_regex.fullmatch(path[cut:]):
            return path[:cut] + route.path
    return route.path


class RouteRecorder:
    """Innermost: notes the routed template in the request facts (outer layers may copy scope)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await self.app(scope, receive, send)
        finally:
            if scope["type"] == "http":
                request_facts(scope).route = route_label(scope)


class ObservabilityMiddleware:
    """See the module docstring; `X-Request-Id` is accepted when valid, else generated."""

    def __init__(self, app: ASGIApp, *, metrics: Metrics, access_log_on: bool = True) -> None:
        self.app = app
        self.metrics = metrics
        self.access_log_on = access_log_on

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        sent = next((v for k, v in scope["headers"] if k == _REQUEST_ID_RAW), None)
        request_id = accepted_request_id(sent) or random_uuid().hex
        facts = attach_facts(scope, request_id)
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message)[REQUEST_ID] = request_id
            await send(message)

        self.metrics.in_flight.inc()
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            self.metrics.in_flight.dec()
            seconds = time.perf_counter() - started
            route = facts.route
            self.metrics.observe_request(scope["method"], route, status, seconds, facts)
            if self.access_log_on:
                log_event(
                    access_log,
                    "request",
                    level=logging.ERROR if status >= 500 else logging.INFO,
                    request_id=request_id,
                    tenant=facts.tenant,
                    credential=facts.credential,
                    method=scope["method"],
                    route=route,
                    status=status,
                    duration_ms=round(seconds * 1000, 3),
                    statements=facts.statements,
                )

"""Render every error exactly once, as JSON with the xAPI status (ARCHITECTURE rule 4)."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from starlette.exceptions import HTTPException

from service.api.protocol import error_body
from service.model.errors import (
    LRSError,
    ServiceUnavailableError,
    StoreError,
    TooManyRequestsError,
    UnauthorizedError,
)
from service.ops.context import request_facts
from service.ops.logging import log_event

log = logging.getLogger("service.api")


def _render(status: int, message: str, headers: Mapping[str, str] | None = None) -> Response:
    return Response(
        error_body(status, message),
        status_code=status,
        media_type="application/json",
        headers=headers,
    )


async def _lrs_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, LRSError)
    if isinstance(exc, ServiceUnavailableError):  # shed for capacity: counted, not an error
        request.app.state.runtime.metrics.shed.labels(exc.limit).inc()
        return _render(exc.status, exc.message, {"Retry-After": str(exc.retry_after)})
    if exc.status >= 500:
        event = "store.error" if isinstance(exc, StoreError) else "request.failed"
        request_id = request_facts(request.scope).request_id
        log_event(log, event, level=logging.ERROR, error=exc.message, request_id=request_id)
    headers = (
        {"WWW-Authenticate": 'Basic realm="xAPI"'} if isinstance(exc, UnauthorizedError) else None
    )
    if isinstance(exc, TooManyRequestsError):
        headers = {"Retry-After": str(exc.retry_after)}
    return _render(exc.status, exc.message, headers)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    messages = {404: "no such resource", 405: "method not allowed on this resource"}
    return _render(exc.status_code, messages.get(exc.status_code, str(exc.detail)), exc.headers)


async def _validation_error(request: Request, exc: Exception) -> Response:
    return _render(400, "malformed request")


async def _unexpected(request: Request, exc: Exception) -> Response:
    log.exception("unexpected error", exc_info=exc)
    return _render(500, "internal error")


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(LRSError, _lrs_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(Exception, _unexpected)

"""FastAPI's exception handlers: every error a handler raises, answered once by `ErrorAnswer`."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from starlette.exceptions import HTTPException

from service.api.error_answer import ErrorAnswer
from service.model.errors import (
    BadRequestError,
    LRSError,
    ServiceUnavailableError,
    StoreError,
)
from service.ops.context import request_facts
from service.ops.logging import log_event

log = logging.getLogger("service.api")


async def _lrs_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, LRSError)
    if isinstance(exc, ServiceUnavailableError):  # shed for capacity: counted, not an error
        request.app.state.runtime.metrics.shed.labels(exc.limit).inc()
    elif exc.status >= 500:
        event = "store.error" if isinstance(exc, StoreError) else "request.failed"
        request_id = request_facts(request.scope).request_id
        log_event(log, event, level=logging.ERROR, error=exc.message, request_id=request_id)
    return ErrorAnswer.of(exc).response()


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    messages = {404: "no such resource", 405: "method not allowed on this resource"}
    message = messages.get(exc.status_code, str(exc.detail))
    return ErrorAnswer.build(exc.status_code, message, headers=exc.headers).response()


async def _validation_error(request: Request, exc: Exception) -> Response:
    return ErrorAnswer.of(BadRequestError("malformed request")).response()


async def _unexpected(request: Request, exc: Exception) -> Response:
    log.exception("unexpected error", exc_info=exc)
    return ErrorAnswer.of(LRSError("internal error")).response()


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(LRSError, _lrs_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(Exception, _unexpected)

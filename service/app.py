"""The composition root: create_app(settings) builds the whole service (ARCHITECTURE rule 1)."""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from service import __version__
from service.api import (
    about,
    activities,
    admin,
    admin_audit,
    admin_retention,
    admin_tenant,
    agents,
    docs_pages,
    documents,
    exports,
    health,
    outcome_maps,
    outcome_org,
    outcome_progress,
    outcome_queries,
    statements,
)
from service.api.admission import AdmissionMiddleware
from service.api.body_timeout import BodyTimeoutMiddleware
from service.api.content_encoding import ContentEncodingMiddleware
from service.api.errors import install_error_handlers
from service.api.observability import ObservabilityMiddleware, RouteRecorder
from service.api.openapi_spec import install_openapi
from service.api.protocol import XAPIProtocolMiddleware
from service.api.request_limits import RequestLimitsMiddleware
from service.console.install import install_console
from service.ops.admission import Admission, Limits
from service.ops.health import saturation_check
from service.ops.logging import log_event
from service.ops.startup import announce
from service.ops.tuning import tune_interpreter
from service.runtime import Runtime
from service.settings import Settings

log = logging.getLogger("service")


def create_app(settings: Settings | None = None) -> FastAPI:
    """A ready-to-serve ASGI app; the store opens in the lifespan, not here."""
    settings = settings or Settings()
    runtime = Runtime.build(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        try:
            await runtime.start()
        except Exception as exc:
            log_event(log, "startup.failed", level=logging.CRITICAL, error=str(exc))
            raise
        announce(runtime.settings, runtime.store.kind, runtime.generated_credential)
        if settings.tune_interpreter:
            tune_interpreter()
        try:
            yield
        finally:
            log_event(log, "shutdown.started")
            began = time.perf_counter()
            await runtime.stop()
            log_event(log, "shutdown.complete", seconds=round(time.perf_counter() - began, 3))

    app = FastAPI(
        title="xAPI Learning Record Store",
        version=__version__,
        lifespan=lifespan,
        docs_url=None,  # service/api/docs_pages.py serves /docs and /redoc without a CDN
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    app.state.runtime = runtime
    prefix = settings.api_prefix
    for router in (
        about.router,
        statements.router,
        documents.router,
        activities.router,
        agents.router,
    ):
        app.include_router(router, prefix=prefix)
    outside_xapi = (
        docs_pages.router,
        health.router,
        admin.router,
        admin_tenant.router,
        admin_audit.router,
        admin_retention.router,
        outcome_maps.router,
        outcome_maps.maps_router,
        outcome_org.router,
        outcome_queries.router,
        outcome_progress.router,
        exports.router,
    )
    for router in outside_xapi:
        app.include_router(router)
    if settings.console.enabled:
        install_console(app)
    install_openapi(app, prefix)
    install_error_handlers(app)
    app.add_middleware(RouteRecorder)  # innermost: sees the scope the router fills in
    admission = Admission(admission_limits(settings))
    runtime.readiness_checks["admission"] = saturation_check(
        admission, settings.admission.write_saturation_seconds
    )
    app.add_middleware(ContentEncodingMiddleware)  # inside admission: it sees the wire length
    app.add_middleware(  # before any handler reads a body; inside, so refusals get xAPI headers
        AdmissionMiddleware,
        admission=admission,
        default_version=settings.default_xapi_version,
        chunked_bytes=settings.max_body_bytes,
        on_shed=lambda limit: runtime.metrics.shed.labels(limit).inc(),
    )
    app.add_middleware(
        XAPIProtocolMiddleware,
        prefix=prefix,
        default_version=settings.default_xapi_version,
        cors_origins=settings.cors_allow_origins,
        max_body_bytes=settings.max_body_bytes,
        consistent_through_ms=runtime.store.statements.consistent_through_ms,
    )
    app.add_middleware(  # outside every body reader, the alternate syntax's included
        BodyTimeoutMiddleware,
        pace=settings.http,
        default_version=settings.default_xapi_version,
    )
    app.add_middleware(  # before the xAPI middleware parses the query string (issue 9)
        RequestLimitsMiddleware,
        max_header_bytes=settings.max_header_bytes,
        max_query_bytes=settings.max_query_bytes,
        default_version=settings.default_xapi_version,
    )
    app.add_middleware(  # outermost: sees every response, also the xAPI middleware's errors
        ObservabilityMiddleware,
        metrics=runtime.metrics,
        access_log_on=settings.access_log,
    )
    return app


def admission_limits(settings: Settings) -> Limits:
    """The per-process budgets of admission control (issue 9)."""
    return Limits(
        requests=settings.inflight_request_limit,
        writes=settings.pending_write_limit,
        body_bytes=settings.admission.max_inflight_body_bytes,
        work_bytes=settings.admission.max_inflight_work_bytes,
        wait_seconds=settings.admission.admission_wait_ms / 1000,
    )

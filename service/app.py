"""The composition root: create_app(settings) builds the whole service (ARCHITECTURE rule 1)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from service import __version__
from service.api import (
    about,
    activities,
    agents,
    documents,
    exports,
    outcome_maps,
    outcome_org,
    outcome_queries,
    statements,
)
from service.api.errors import install_error_handlers
from service.api.outcome_support import install_outcome_error_handler
from service.api.protocol import XAPIProtocolMiddleware
from service.runtime import Runtime
from service.settings import Settings
from service.tuning import tune_interpreter

log = logging.getLogger("service")


def create_app(settings: Settings | None = None) -> FastAPI:
    """A ready-to-serve ASGI app; the store opens in the lifespan, not here."""
    settings = settings or Settings()
    runtime = Runtime.build(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await runtime.start()
        announce(runtime)
        if settings.tune_interpreter:
            tune_interpreter()
        try:
            yield
        finally:
            await runtime.stop()

    app = FastAPI(
        title="xAPI Learning Record Store",
        version=__version__,
        lifespan=lifespan,
        docs_url="/docs",
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
    for router in (outcome_maps.router, outcome_org.router, outcome_queries.router, exports.router):
        app.include_router(router)  # outside the xAPI base path
    install_error_handlers(app)
    install_outcome_error_handler(app)
    app.add_middleware(
        XAPIProtocolMiddleware,
        prefix=prefix,
        default_version=settings.default_xapi_version,
        cors_origins=settings.cors_allow_origins,
        max_body_bytes=settings.max_body_bytes,
        consistent_through_ms=runtime.store.consistent_through_ms,
    )
    return app


def announce(runtime: Runtime) -> None:
    """Tell the person who started the service where it listens and how to authenticate."""
    settings = runtime.settings
    endpoint = f"{settings.authority_home_page}{settings.api_prefix}/"
    log.info("xAPI endpoint: %s (store: %s)", endpoint, settings.store_url)
    issued = runtime.generated_credential
    if issued is not None:
        log.info(
            "no credential existed, so one was created; it is shown only this once:\n"
            "    key:    %s\n    secret: %s\n"
            "    try:    curl -u %s:%s -H 'X-Experience-API-Version: 1.0.3' %sstatements",
            issued.key,
            issued.secret,
            issued.key,
            issued.secret,
            endpoint,
        )
    elif settings.bootstrap_key:
        log.info(
            "authenticate with the bootstrap key %s (LRS_BOOTSTRAP_KEY)", settings.bootstrap_key
        )
    else:
        log.info(
            "credentials exist; make another with: python -m service credentials create --name NAME"
        )

"""Adds the console's pages and static assets to the app (LRS_CONSOLE_ENABLED)."""

from __future__ import annotations

from fastapi import FastAPI
from starlette.staticfiles import StaticFiles

from service.console import (
    pages_auth,
    pages_ingest,
    pages_kpis,
    pages_operations,
    pages_outcome_edits,
    pages_outcomes,
    pages_sso,
    pages_statements,
)
from service.console.web import BASE, HERE


def install_console(app: FastAPI) -> None:
    for router in (
        pages_auth.router,
        pages_outcomes.router,
        pages_kpis.router,
        pages_outcome_edits.router,
        pages_statements.router,
        pages_ingest.router,
        pages_operations.router,
        pages_sso.router,
    ):
        app.include_router(router)
    app.mount(f"{BASE}/static", StaticFiles(directory=HERE / "static"), name="console-static")

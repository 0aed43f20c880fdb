"""Shared fixtures: a real SQLite file per test and the ASGI app driven through httpx.

With LRS_TEST_MONGODB_URL set (`make test` sets it), every test using the `app` fixture also
runs against the MongoDB store, on a fresh database dropped afterwards (issue 4).
"""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from service.app import create_app
from service.settings import Settings
from tests.mongo_support import MONGODB_URL, drop_database, fresh_database_url, store_summary

pytest_plugins = ["tests.server.served"]  # its fresh_mongo_url fixture

KEY = "test-key"
SECRET = "test-secret-value"
BASIC = "Basic " + base64.b64encode(f"{KEY}:{SECRET}".encode()).decode()


def make_settings(tmp_path: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "store_url": f"sqlite:///{tmp_path / 'lrs.sqlite3'}",
        "bootstrap_key": KEY,
        "bootstrap_secret": SECRET,
        "public_url": "http://lrs.test",
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)


STORE_KINDS = ["sqlite", "mongodb"] if MONGODB_URL else ["sqlite"]


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say in the log which stores the suite ran against (issue 4)."""
    terminalreporter.write_line(store_summary(terminalreporter.stats))


@pytest.fixture(params=STORE_KINDS)
async def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """The store of the test's app: an SQLite file, or a fresh MongoDB database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'lrs.sqlite3'}"
        return
    url = fresh_database_url()
    try:
        yield url
    finally:
        await drop_database(url)


@pytest.fixture
def settings(tmp_path: Path, store_url: str) -> Settings:
    return make_settings(tmp_path, store_url=store_url)


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[FastAPI]:
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application


def client_for(app: FastAPI, version: str | None, *, auth: bool = True) -> httpx.AsyncClient:
    headers = {}
    if version is not None:
        headers["X-Experience-API-Version"] = version
    if auth:
        headers["Authorization"] = BASIC
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://lrs.test", headers=headers
    )


@pytest.fixture(params=["1.0.3", "2.0.0"])
def version(request: pytest.FixtureRequest) -> str:
    """Run a test once per xAPI version family."""
    value: str = request.param
    return value


@pytest.fixture
async def client(app: FastAPI, version: str) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(app, version) as c:
        yield c

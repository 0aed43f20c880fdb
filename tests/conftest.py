"""Shared fixtures: a real SQLite file per test and the ASGI app driven through httpx."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from service.app import create_app
from service.settings import Settings

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
    return Settings(_env_file=None, **values)  # type: ignore[arg-type]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path)


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

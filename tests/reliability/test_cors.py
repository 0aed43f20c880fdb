"""CORS (T-23) with LRS_CORS_ALLOW_ORIGINS: listed origins only, never credentials mode."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from service.app import create_app
from tests.conftest import client_for, make_settings

LISTED = "https://lms.example.org"
OTHER = "https://evil.example.net"
PREFLIGHT = {"Access-Control-Request-Method": "PUT", "Access-Control-Request-Headers": "If-Match"}


@pytest.fixture
async def listed_only(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    settings = make_settings(tmp_path, cors_allow_origins=f"{LISTED}, https://other.example.org")
    app = create_app(settings)
    async with app.router.lifespan_context(app), client_for(app, "2.0.0") as c:
        yield c


async def test_listed_origin_is_echoed_with_vary(listed_only: httpx.AsyncClient) -> None:
    response = await listed_only.get("/xapi/statements", headers={"Origin": LISTED})
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == LISTED
    assert "Origin" in response.headers["Vary"]
    assert (
        "X-Experience-API-Consistent-Through" in response.headers["Access-Control-Expose-Headers"]
    )
    assert "Access-Control-Allow-Credentials" not in response.headers


async def test_other_origin_gets_no_cors_headers(listed_only: httpx.AsyncClient) -> None:
    """A browser on an unlisted origin cannot read responses: no Allow-Origin at all."""
    for origin in (OTHER, "null", LISTED + ".evil.net", LISTED.upper()):
        response = await listed_only.get("/xapi/statements", headers={"Origin": origin})
        assert "Access-Control-Allow-Origin" not in response.headers, origin
        assert "Access-Control-Expose-Headers" not in response.headers
        preflight = await listed_only.options(
            "/xapi/statements", headers={"Origin": origin, **PREFLIGHT}
        )
        assert "Access-Control-Allow-Origin" not in preflight.headers, origin


async def test_errors_carry_cors_for_listed_origins_only(listed_only: httpx.AsyncClient) -> None:
    """A 401 is readable by a listed origin (to show a login prompt), not by others."""
    unauthenticated = {"Authorization": "Basic bm9wZTpub3Bl"}
    listed = await listed_only.get(
        "/xapi/statements", headers={"Origin": LISTED, **unauthenticated}
    )
    other = await listed_only.get("/xapi/statements", headers={"Origin": OTHER, **unauthenticated})
    assert listed.status_code == other.status_code == 401
    assert listed.headers["Access-Control-Allow-Origin"] == LISTED
    assert "Access-Control-Allow-Origin" not in other.headers


async def test_wildcard_never_allows_credentials(tmp_path: Path) -> None:
    """With `*` the Authorization header still works (it is an allowed header), but cookies
    and browser-cached credentials are never invited: no Allow-Credentials."""
    app = create_app(make_settings(tmp_path))
    async with app.router.lifespan_context(app), client_for(app, "2.0.0") as c:
        response = await c.get("/xapi/statements", headers={"Origin": OTHER})
        preflight = await c.options("/xapi/statements", headers={"Origin": OTHER, **PREFLIGHT})
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
    assert "Authorization" in preflight.headers["Access-Control-Allow-Headers"]
    for got in (response, preflight):
        assert "Access-Control-Allow-Credentials" not in got.headers


async def test_admin_api_is_not_cross_origin(tmp_path: Path) -> None:
    """The admin API sends no CORS headers, whatever the xAPI setting."""
    app = create_app(make_settings(tmp_path))
    async with app.router.lifespan_context(app), client_for(app, "2.0.0") as c:
        response = await c.get("/admin/tenants", headers={"Origin": OTHER})
    assert response.status_code == 200
    assert "Access-Control-Allow-Origin" not in response.headers

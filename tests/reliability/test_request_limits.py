"""Header and query string size limits (LRS_MAX_HEADER_BYTES, LRS_MAX_QUERY_BYTES): 431 / 414."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from service.api.http_protocol import head_limit
from service.app import create_app
from service.settings import Settings
from tests.conftest import client_for, make_settings
from tests.server.served import running_lrs


@pytest.mark.parametrize("path", ["/xapi/statements", "/xapi/about", "/healthz", "/nowhere"])
async def test_oversized_headers_get_431_with_the_version_header_t2(
    app: FastAPI, path: str
) -> None:
    """T-2: the refusal is JSON with a message and carries X-Experience-API-Version."""
    async with client_for(app, "1.0.3") as c:
        response = await c.get(path, headers={"X-Padding": "p" * 17_000})
    assert response.status_code == 431
    assert response.headers["X-Experience-API-Version"] == "1.0.3"
    assert "16384 bytes" in response.json()["message"]


async def test_many_small_headers_count_together(app: FastAPI) -> None:
    """The limit is on the whole header block, not on each header."""
    padding = {f"X-Pad-{n}": "p" * 100 for n in range(200)}
    async with client_for(app, "2.0.0") as c:
        response = await c.get("/xapi/about", headers=padding)
    assert response.status_code == 431


async def test_oversized_query_string_gets_414(app: FastAPI) -> None:
    """A query string over the limit is refused before it is parsed or authenticated."""
    async with client_for(app, "2.0.0", auth=False) as c:
        response = await c.get("/xapi/statements", params={"activity": "x" * 9000})
        head = await c.head("/xapi/statements", params={"activity": "x" * 9000})
    assert response.status_code == 414
    assert response.headers["X-Experience-API-Version"] == "2.0.0"
    assert "8192 bytes" in response.json()["message"]
    assert head.status_code == 414
    assert head.content == b""


async def test_requests_within_the_limits_pass(app: FastAPI) -> None:
    """Headers and query strings just under the limits are served normally."""
    async with client_for(app, "2.0.0") as c:
        response = await c.get(
            "/xapi/statements",
            params={"activity": "http://example.org/" + "x" * 7000},
            headers={"X-Padding": "p" * 12_000},
        )
    assert response.status_code == 200, response.text


async def test_limits_are_configurable(tmp_path: Path) -> None:
    """Lower settings refuse what the defaults accept."""
    app = create_app(make_settings(tmp_path, max_header_bytes=2048, max_query_bytes=512))
    async with app.router.lifespan_context(app), client_for(app, "2.0.0") as c:
        headers = await c.get("/xapi/about", headers={"X-Padding": "p" * 3000})
        query = await c.get("/xapi/statements", params={"activity": "x" * 600})
    assert headers.status_code == 431
    assert query.status_code == 414


def test_uvicorn_buffers_more_than_the_limits() -> None:
    """With h11 the parser's head limit must leave the answer to the middleware (431/414)."""
    settings = Settings(_env_file=None)
    assert head_limit(settings) > settings.max_header_bytes + settings.max_query_bytes


def test_served_process_answers_431_and_414(tmp_path: Path) -> None:
    """Through real uvicorn: a head within the parser's cap reaches the middleware's answer."""
    with running_lrs(tmp_path, "limits-key", "limits-secret") as base:
        version = {"X-Experience-API-Version": "1.0.3"}
        with httpx.Client(base_url=base, headers=version, timeout=30) as http:
            headers = http.get("/xapi/about", headers={"X-Padding": "p" * 20_000})
            query = http.get("/xapi/statements", params={"activity": "x" * 20_000})
            fine = http.get("/xapi/about")
    assert (headers.status_code, query.status_code, fine.status_code) == (431, 414, 200)
    assert headers.headers["X-Experience-API-Version"] == "1.0.3"
    assert query.json()["message"] == "the query string exceeds the limit of 8192 bytes"

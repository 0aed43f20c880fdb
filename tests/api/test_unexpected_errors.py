"""An unexpected error under the xAPI base path is still an xAPI response (T-2, T-18; issue 9)."""

from __future__ import annotations

import logging

import pytest
from fastapi import FastAPI

from tests.conftest import client_for


async def _boom() -> None:
    raise RuntimeError("boom")


async def test_unexpected_error_carries_version_header(
    app: FastAPI, version: str, caplog: pytest.LogCaptureFixture
) -> None:
    app.add_api_route("/xapi/boom", _boom)
    with caplog.at_level(logging.ERROR, logger="service.api"):
        async with client_for(app, version) as client:
            answer = await client.get("/xapi/boom")
    assert answer.status_code == 500
    assert answer.json() == {"error": True, "status": 500, "message": "internal error"}
    assert answer.headers["X-Experience-API-Version"] == version
    assert any(r.exc_info and "boom" in str(r.exc_info[1]) for r in caplog.records)

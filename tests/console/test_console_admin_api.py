"""The admin API with the console's session cookie (issue 20): reads as the signed-in person,
state-changing calls only with the session's CSRF token from the same site; every store."""

from __future__ import annotations

import re

import httpx
import pytest
from fastapi import FastAPI

from tests.console.support import browser, sign_in

pytestmark = pytest.mark.asyncio
META = re.compile(r'<meta name="csrf-token" content="([^"]+)">')


async def csrf_meta(client: httpx.AsyncClient) -> str:
    page = await client.get("/console/statements")
    found = META.search(page.text)
    assert found is not None
    return found.group(1)


async def test_a_console_session_reads_the_admin_api(app: FastAPI) -> None:
    async with browser(app) as client:
        assert (await client.get("/admin/tenants")).status_code == 401  # not signed in
        await sign_in(client)
        answer = await client.get("/admin/tenants")
        assert answer.status_code == 200
        assert "default" in {t["name"] for t in answer.json()["tenants"]}


async def test_a_change_needs_the_sessions_csrf_token_from_the_same_site(app: FastAPI) -> None:
    async with browser(app) as client:
        await sign_in(client)
        token = await csrf_meta(client)
        body = {"name": "beta"}
        assert (await client.post("/admin/tenants", json=body)).status_code == 403
        wrong = await client.post("/admin/tenants", json=body, headers={"X-CSRF-Token": "x"})
        assert wrong.status_code == 403
        assert "X-CSRF-Token" in wrong.json()["message"]
        elsewhere = await client.post(
            "/admin/tenants",
            json=body,
            headers={"X-CSRF-Token": token, "Origin": "https://evil.example"},
        )
        assert elsewhere.status_code == 403
        made = await client.post("/admin/tenants", json=body, headers={"X-CSRF-Token": token})
        assert made.status_code == 201, made.text
        audit = await client.get("/admin/audit", params={"action": "tenant.create"})
        events = audit.json()["events"]
        assert [e["outcome"] for e in events] == ["ok"]
        assert events[0]["actor"].startswith("credential:test-key")


async def test_a_basic_credential_wins_over_the_cookie(app: FastAPI) -> None:
    async with browser(app) as client:
        await sign_in(client)
        answer = await client.get("/admin/tenants", auth=("test-key", "wrong"))
        assert answer.status_code == 401  # the header is what was meant: no fallback


async def test_without_single_sign_on_the_console_offers_none(app: FastAPI) -> None:
    async with browser(app) as client:
        page = await client.get("/console/signin")
        assert page.status_code == 200
        assert "Sign in with SSO" not in page.text
        assert (await client.get("/console/sso")).status_code == 404
        assert (await client.get("/console/sso/callback?state=x&code=y")).status_code == 404

"""Limits that protect the service: rate (429 + Retry-After), batch size and body size (413)."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi import FastAPI

from service.app import create_app
from service.model.tenancy import Limits
from tests.builders import statement
from tests.conftest import make_settings
from tests.tenancy_support import STATEMENTS, add_tenant, client, issue, runtime_of

pytestmark = pytest.mark.asyncio


async def test_rate_limit_answers_429_with_retry_after(tmp_path: Path) -> None:
    """A credential over its budget gets 429 and Retry-After; others are unaffected."""
    app = create_app(make_settings(tmp_path, rate_limit_per_second=1.0, rate_limit_burst=3))
    async with app.router.lifespan_context(app):
        busy = await issue(app, name="busy")
        calm = await issue(app, name="calm")
        async with client(app, busy) as b, client(app, calm) as c:
            statuses = [(await b.get(STATEMENTS)).status_code for _ in range(4)]
            assert statuses == [200, 200, 200, 429]
            limited = await b.get(STATEMENTS)
            assert limited.status_code == 429
            assert int(limited.headers["Retry-After"]) >= 1
            assert "rate limit" in limited.json()["message"]
            assert (await c.get(STATEMENTS)).status_code == 200


async def test_tenant_quotas_replace_the_default_and_credentials_only_narrow(
    tmp_path: Path,
) -> None:
    """A tenant's rate (0: no quota) replaces the default; a credential's 0 lifts nothing."""
    app = create_app(make_settings(tmp_path, rate_limit_per_second=1.0, rate_limit_burst=1))
    async with app.router.lifespan_context(app):
        await add_tenant(app, "bulk", Limits(rate_per_second=1000, burst=1000))
        await add_tenant(app, "free", Limits(rate_per_second=0))
        tenant_wide = await issue(app, tenant="bulk", name="tenant-wide")
        free = await issue(app, tenant="free", name="free")
        for who in (tenant_wide, free):
            async with client(app, who) as c:
                statuses = {(await c.get(STATEMENTS)).status_code for _ in range(20)}
                assert statuses == {200}
        importer = await issue(app, name="importer", limits=Limits(rate_per_second=0))
        async with client(app, importer) as c:
            statuses = {(await c.get(STATEMENTS)).status_code for _ in range(20)}
            assert statuses == {200, 429}  # the default tenant's quota, 1/s


async def test_tenant_batch_and_body_limits_413(app: FastAPI) -> None:
    """Per-tenant statements per batch and body size: 413, nothing stored."""
    await add_tenant(app, "small", Limits(max_batch_statements=3, max_body_bytes=4000))
    who = await issue(app, tenant="small")
    async with client(app, who) as c:
        too_many = [statement() for _ in range(4)]
        response = await c.post(STATEMENTS, json=too_many)
        assert response.status_code == 413
        assert "limit is 3" in response.json()["message"]
        assert (await c.post(STATEMENTS, json=too_many[:3])).status_code == 200
        big = statement(result={"response": "x" * 5000})
        assert (await c.post(STATEMENTS, json=big)).status_code == 413
        state = {
            "activityId": "http://example.org/a",
            "agent": '{"mbox":"mailto:a@example.org"}',
            "stateId": "big",
        }
        put = await c.put("/xapi/activities/state", params=state, content=b"x" * 4001)
        assert put.status_code == 413
        stored = (await c.get(STATEMENTS)).json()["statements"]
        assert {s["id"] for s in stored} == {s["id"] for s in too_many[:3]}
    other = await issue(app)  # the default tenant keeps the service defaults
    async with client(app, other) as c:
        assert (await c.post(STATEMENTS, json=[statement() for _ in range(4)])).status_code == 200


async def test_limits_are_visible_in_admin_listings(app: FastAPI) -> None:
    """Overrides and the limits in force appear in the tenant and credential listings."""
    await add_tenant(app, "shown", Limits(max_batch_statements=7))
    await issue(app, tenant="shown", name="p", limits=Limits(rate_per_second=2.5))
    admin = await issue(app, scopes=("operator", "admin"), name="ops")
    async with client(app, admin) as c:
        tenants = (await c.get("/admin/tenants")).json()["tenants"]
        shown = next(t for t in tenants if t["name"] == "shown")
        assert shown["limits"]["max_batch_statements"] == 7
        assert shown["limits_in_force"]["max_batch_statements"] == 7
        settings = runtime_of(app).settings
        assert shown["limits_in_force"]["max_body_bytes"] == settings.max_body_bytes
        creds = (await c.get("/admin/credentials", params={"tenant": "shown"})).json()
        in_force = creds["credentials"][0]["limits_in_force"]
        assert in_force == {
            "rate_per_second": 2.5,
            "burst": settings.rate_limit_burst,
            "max_batch_statements": 7,
            "max_body_bytes": settings.max_body_bytes,
        }

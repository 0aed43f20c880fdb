"""Limits only narrow as they go down: service > tenant > credential, over the admin HTTP API.

Only `operator` sets a tenant's limits; a credential's limits can never exceed its tenant's in
force (a rate of 0, no quota, under a tenant quota is a raise too), and a tenant's sizes never
exceed the service's LRS_MAX_BATCH_STATEMENTS / LRS_MAX_BODY_BYTES.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from service.model.tenancy import CredentialChanges, Limits
from tests.builders import statement
from tests.tenancy_support import STATEMENTS, Issued, client, issue, runtime_of

pytestmark = pytest.mark.asyncio

TENANT_LIMITS = {"rate_per_second": 5, "burst": 20, "max_batch_statements": 50}
"""50 statements per batch and 5 requests/s, as reported; the burst leaves room for its admin."""


@dataclass
class Tenant:
    """Tenant `ta` as the operator set it up: its admin and one platform credential."""

    ops: httpx.AsyncClient
    admin: httpx.AsyncClient
    platform: Issued


async def _created(http: httpx.AsyncClient, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = await http.post(path, json=body)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


@pytest.fixture
async def ta(app: FastAPI) -> AsyncIterator[Tenant]:
    operator = await issue(app, scopes=("operator", "admin"), name="ops")
    async with client(app, operator) as ops:
        await _created(ops, "/admin/tenants", {"name": "ta", "limits": TENANT_LIMITS})
        admin = await _created(
            ops, "/admin/credentials", {"tenant": "ta", "name": "ta admin", "scopes": ["admin"]}
        )
        platform = await _created(
            ops, "/admin/credentials", {"tenant": "ta", "name": "LMS", "scopes": ["all"]}
        )
        tenant_admin = Issued(admin["key"], admin["secret"], "ta")
        async with client(app, tenant_admin) as admin_client:
            yield Tenant(ops, admin_client, Issued(platform["key"], platform["secret"], "ta"))


async def _in_force(http: httpx.AsyncClient, key: str) -> dict[str, Any]:
    response = await http.get(f"/admin/credentials/{key}")
    assert response.status_code == 200, response.text
    in_force: dict[str, Any] = response.json()["limits_in_force"]
    return in_force


@pytest.mark.parametrize(
    ("limits", "words"),
    [
        ({"max_batch_statements": 100_000, "rate_per_second": 0}, "max_batch_statements 100000"),
        ({"rate_per_second": 0}, "rate_per_second 0 (no quota) would lift 5/s"),
        ({"rate_per_second": 5.5}, "rate_per_second 5.5 is above 5/s"),
        ({"burst": 21}, "burst 21 is above 20"),
        ({"max_batch_statements": 51}, "max_batch_statements 51 is above 50"),
        ({"max_body_bytes": 30 * 2**20}, "max_body_bytes 31457280 is above 20971520"),
    ],
)
async def test_a_tenant_admin_cannot_lift_a_credential_above_the_tenant(
    ta: Tenant, limits: dict[str, Any], words: str
) -> None:
    """The reported attack: `ta`'s admin patches its platform to 100,000 per batch, no quota."""
    before = await _in_force(ta.admin, ta.platform.key)
    refused = await ta.admin.patch(f"/admin/credentials/{ta.platform.key}", json={"limits": limits})
    assert refused.status_code == 400, refused.text
    message = refused.json()["message"]
    assert words in message
    assert "limit of tenant 'ta'" in message
    assert "can only narrow" in message
    assert await _in_force(ta.admin, ta.platform.key) == before
    created = await ta.admin.post(
        "/admin/credentials", json={"name": "lifted", "scopes": ["all"], "limits": limits}
    )
    assert created.status_code == 400, created.text
    listed = (await ta.admin.get("/admin/credentials")).json()["credentials"]
    assert "lifted" not in {c["name"] for c in listed}


async def test_the_operator_cannot_lift_a_credential_above_its_tenant_either(ta: Tenant) -> None:
    refused = await ta.ops.patch(
        f"/admin/credentials/{ta.platform.key}", json={"limits": {"rate_per_second": 0}}
    )
    assert refused.status_code == 400, refused.text


async def test_only_an_operator_sets_tenant_limits(ta: Tenant) -> None:
    for body in ({"limits": {"rate_per_second": 0}}, {"limits": {"rate_per_second": 1}}):
        refused = await ta.admin.patch("/admin/tenants/ta", json=body)
        assert refused.status_code == 403, refused.text
        assert "operator" in refused.json()["message"]
    created = await ta.admin.post("/admin/tenants", json={"name": "tb"})
    assert created.status_code == 403
    tenant = (await ta.ops.get("/admin/tenants/ta")).json()
    assert tenant["limits_in_force"]["rate_per_second"] == 5
    lifted = await ta.ops.patch("/admin/tenants/ta", json={"limits": {"max_batch_statements": 80}})
    assert lifted.status_code == 200, lifted.text
    assert (await _in_force(ta.admin, ta.platform.key))["max_batch_statements"] == 80


async def test_the_tenant_limits_are_honoured(app: FastAPI, ta: Tenant) -> None:
    """The platform runs under 50 statements per batch and 5/s with a burst of 20."""
    assert await _in_force(ta.admin, ta.platform.key) == {
        "rate_per_second": 5.0,
        "burst": 20,
        "max_batch_statements": 50,
        "max_body_bytes": runtime_of(app).settings.max_body_bytes,
    }
    async with client(app, ta.platform) as lms:
        too_many = await lms.post(STATEMENTS, json=[statement() for _ in range(51)])
        assert too_many.status_code == 413
        assert "limit is 50" in too_many.json()["message"]
        statuses = [(await lms.get(STATEMENTS)).status_code for _ in range(40)]
        assert statuses[:19] == [200] * 19  # the 413 took the first token of the burst
        assert 429 in statuses


async def test_a_tenant_admin_may_narrow_and_it_is_honoured(app: FastAPI, ta: Tenant) -> None:
    narrowed = await ta.admin.patch(
        f"/admin/credentials/{ta.platform.key}",
        json={"limits": {"rate_per_second": 1, "burst": 1, "max_batch_statements": 10}},
    )
    assert narrowed.status_code == 200, narrowed.text
    in_force = narrowed.json()["limits_in_force"]
    assert (in_force["rate_per_second"], in_force["burst"]) == (1, 1)
    assert in_force["max_batch_statements"] == 10
    async with client(app, ta.platform) as lms:
        assert (
            await lms.post(STATEMENTS, json=[statement() for _ in range(10)])
        ).status_code == 200
        answers = [await lms.get(STATEMENTS) for _ in range(3)]
        limited = next(a for a in answers if a.status_code == 429)
        assert int(limited.headers["Retry-After"]) >= 1
    cleared = await ta.admin.patch(
        f"/admin/credentials/{ta.platform.key}", json={"limits": {"max_batch_statements": None}}
    )
    assert cleared.json()["limits_in_force"]["max_batch_statements"] == 50


async def test_overrides_stored_above_the_tenant_are_narrowed_in_force(
    app: FastAPI, ta: Tenant
) -> None:
    """Overrides set before the operator lowered the tenant (or written by an older version)."""
    lifted = Limits(rate_per_second=0, burst=1000, max_batch_statements=100_000)
    store = runtime_of(app).store
    await store.accounts.update_credential(ta.platform.key, CredentialChanges(limits=lifted))
    runtime_of(app).authenticator.forget(ta.platform.key)
    in_force = await _in_force(ta.ops, ta.platform.key)
    assert (in_force["rate_per_second"], in_force["burst"]) == (5, 20)
    assert in_force["max_batch_statements"] == 50
    async with client(app, ta.platform) as lms:
        too_many = await lms.post(STATEMENTS, json=[statement() for _ in range(51)])
        assert too_many.status_code == 413


async def test_a_tenant_cannot_lift_the_service_sizes(app: FastAPI, ta: Tenant) -> None:
    """LRS_MAX_BATCH_STATEMENTS and LRS_MAX_BODY_BYTES are ceilings; rate quotas are per tenant."""
    settings = runtime_of(app).settings
    for limits in (
        {"max_batch_statements": settings.max_batch_statements + 1},
        {"max_body_bytes": settings.max_body_bytes + 1},
    ):
        refused = await ta.ops.patch("/admin/tenants/ta", json={"limits": limits})
        assert refused.status_code == 400, refused.text
        assert "the service's LRS_MAX_" in refused.json()["message"]
        created = await ta.ops.post("/admin/tenants", json={"name": "big", "limits": limits})
        assert created.status_code == 400, created.text
    assert (await ta.ops.get("/admin/tenants/big")).status_code == 404
    unlimited = await ta.ops.patch("/admin/tenants/ta", json={"limits": {"rate_per_second": 0}})
    assert unlimited.status_code == 200, unlimited.text
    assert unlimited.json()["limits_in_force"]["rate_per_second"] == 0
    own_quota = await ta.admin.patch(
        f"/admin/credentials/{ta.platform.key}",
        json={"limits": {"rate_per_second": 50, "burst": 500}},
    )
    assert own_quota.status_code == 200, own_quota.text  # any quota narrows "no quota"
    assert own_quota.json()["limits_in_force"]["burst"] == 500

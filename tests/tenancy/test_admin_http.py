"""The admin HTTP API: tenants, credentials, confinement of tenant admins, bad input."""

from __future__ import annotations

import pytest
from fastapi import FastAPI

from tests.builders import statement
from tests.tenancy_support import STATEMENTS, Issued, client, issue, runtime_of

pytestmark = pytest.mark.asyncio


async def operator(app: FastAPI) -> Issued:
    return await issue(app, scopes=("operator",), name="ops")


async def test_operator_creates_tenant_and_credential_that_works(app: FastAPI) -> None:
    """POST /admin/tenants and /admin/credentials; the secret is shown once and works."""
    async with client(app, await operator(app)) as ops:
        created = await ops.post("/admin/tenants", json={"name": "acme"})
        assert created.status_code == 201
        assert created.json()["name"] == "acme"
        cred = await ops.post(
            "/admin/credentials",
            json={"tenant": "acme", "name": "Moodle", "scopes": ["statements/write"]},
        )
        assert cred.status_code == 201
        body = cred.json()
        assert body["tenant"] == "acme"
        assert body["scopes"] == ["statements/write"]
        listing = (await ops.get("/admin/credentials", params={"tenant": "acme"})).text
        assert body["secret"] not in listing
        assert "scrypt" not in listing
    platform = Issued(body["key"], body["secret"], "acme")
    async with client(app, platform) as c:
        assert (await c.post(STATEMENTS, json=statement())).status_code == 200
        assert (await c.get(STATEMENTS)).status_code == 403


async def test_disable_enable_and_rotate_take_effect_at_once(app: FastAPI) -> None:
    """In the process that made the change, the cache never serves a stale credential."""
    platform = await issue(app, scopes=("statements/write", "statements/read/mine"))
    async with client(app, await operator(app)) as ops, client(app, platform) as c:
        first = statement()
        assert (await c.post(STATEMENTS, json=first)).status_code == 200
        disabled = await ops.post(f"/admin/credentials/{platform.key}/disable")
        assert disabled.json()["enabled"] is False
        refused = await c.get(STATEMENTS)
        assert refused.status_code == 401
        assert "disabled" in refused.json()["message"]
        await ops.post(f"/admin/credentials/{platform.key}/enable")
        assert (await c.get(STATEMENTS)).status_code == 200
        rotated = (await ops.post(f"/admin/credentials/{platform.key}/rotate")).json()
        assert rotated["key"] == platform.key
        assert (await c.get(STATEMENTS)).status_code == 401
    renewed = Issued(platform.key, rotated["secret"], platform.tenant)
    async with client(app, renewed) as c:
        page = (await c.get(STATEMENTS)).json()
        assert [s["id"] for s in page["statements"]] == [first["id"]]  # same authority


async def test_tenant_admin_is_confined_to_its_tenant(app: FastAPI) -> None:
    """`admin` manages its own tenant only; tenants and `operator` are for operators."""
    other = await issue(app, tenant="other", name="theirs")
    admin = await issue(app, tenant="mine", scopes=("admin",))
    async with client(app, admin) as a:
        assert (await a.post("/admin/tenants", json={"name": "new"})).status_code == 403
        own = await a.post("/admin/credentials", json={"name": "LXP", "scopes": ["all"]})
        assert own.status_code == 201
        assert own.json()["tenant"] == "mine"
        foreign = await a.post(
            "/admin/credentials", json={"tenant": "other", "name": "x", "scopes": ["all"]}
        )
        assert foreign.status_code == 403
        assert (await a.get("/admin/credentials", params={"tenant": "other"})).status_code == 403
        listed = (await a.get("/admin/credentials")).json()["credentials"]
        assert {c["tenant"] for c in listed} == {"mine"}
        assert (await a.post(f"/admin/credentials/{other.key}/disable")).status_code == 404
        escalate = await a.post("/admin/credentials", json={"name": "root", "scopes": ["operator"]})
        assert escalate.status_code == 400
        assert [t["name"] for t in (await a.get("/admin/tenants")).json()["tenants"]] == ["mine"]
    async with client(app, other) as o:
        assert (await o.get(STATEMENTS)).status_code == 200  # untouched


@pytest.mark.parametrize(
    ("path", "payload", "status", "words"),
    [
        ("/admin/credentials", {"name": "x", "scopes": ["everything"]}, 400, "unknown scope"),
        ("/admin/credentials", {"name": "x", "scopes": []}, 400, "scopes"),
        ("/admin/credentials", {"name": "x", "scopes": ["all"], "colour": 1}, 400, "colour"),
        ("/admin/credentials", {"name": "x", "scopes": ["all"], "tenant": "nope"}, 404, "nope"),
        ("/admin/tenants", {"name": "Not A Slug"}, 400, "invalid tenant name"),
        ("/admin/tenants", {"name": "ok", "limits": {"burst": 0}}, 400, "burst"),
        ("/admin/tenants", {"name": "default"}, 409, "already exists"),
    ],
)
async def test_bad_input_is_a_clear_error_and_changes_nothing(
    app: FastAPI, path: str, payload: object, status: int, words: str
) -> None:
    """Unknown scopes, malformed or extra fields, wrong tenant: the status, a message, no change."""
    store = runtime_of(app).store
    async with client(app, await operator(app)) as ops:
        before = (await store.accounts.list_credentials(), await store.accounts.list_tenants())
        response = await ops.post(path, json=payload)
        assert response.status_code == status, response.text
        assert words in response.json()["message"]
        assert (
            await store.accounts.list_credentials(),
            await store.accounts.list_tenants(),
        ) == before


async def test_malformed_json_and_unknown_key(app: FastAPI) -> None:
    async with client(app, await operator(app)) as ops:
        broken = await ops.post("/admin/tenants", content=b"{not json")
        assert broken.status_code == 400
        missing = await ops.post("/admin/credentials/no-such-key/disable")
        assert missing.status_code == 404


async def test_disabled_tenant_refuses_its_credentials(app: FastAPI) -> None:
    """PATCH a tenant disabled: its credentials get 403 at once; enabling restores them."""
    platform = await issue(app, tenant="paused")
    async with client(app, await operator(app)) as ops, client(app, platform) as c:
        assert (await c.get(STATEMENTS)).status_code == 200
        patched = await ops.patch("/admin/tenants/paused", json={"enabled": False})
        assert patched.json()["enabled"] is False
        refused = await c.get(STATEMENTS)
        assert refused.status_code == 403
        assert "disabled" in refused.json()["message"]
        await ops.patch("/admin/tenants/paused", json={"enabled": True})
        assert (await c.get(STATEMENTS)).status_code == 200


async def test_admin_api_requires_credentials(app: FastAPI) -> None:
    async with client(app, None) as anonymous:
        response = await anonymous.get("/admin/tenants")
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"].startswith("Basic")


async def test_credential_names_are_unique_in_a_tenant(app: FastAPI) -> None:
    """Series and logs name the key; names still tell people apart, so two never share one."""
    async with client(app, await operator(app)) as ops:
        first = await ops.post("/admin/credentials", json={"name": "Moodle", "scopes": ["all"]})
        again = await ops.post("/admin/credentials", json={"name": "Moodle", "scopes": ["all"]})
        other = await ops.post("/admin/credentials", json={"name": "LXP", "scopes": ["all"]})
        renamed = await ops.patch(
            f"/admin/credentials/{other.json()['key']}", json={"name": "Moodle"}
        )
        await ops.post("/admin/tenants", json={"name": "acme"})
        elsewhere = await ops.post(
            "/admin/credentials", json={"tenant": "acme", "name": "Moodle", "scopes": ["all"]}
        )
    assert first.status_code == 201
    assert (again.status_code, renamed.status_code) == (409, 409)
    assert "already has a credential named 'Moodle'" in again.json()["message"]
    assert elsewhere.status_code == 201

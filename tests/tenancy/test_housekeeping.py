"""Deleting credentials and whole tenants: confirmed, audited, nothing of the tenant left,
nothing of another touched (issue 20)."""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest
from fastapi import FastAPI

from service.model.forwarding import ForwardTarget
from service.store.mongo import MongoStore
from service.store.mongo.batches import counter_id
from service.store.sqlite import SQLiteStore
from service.store.sqlite.tenant_removal import tenant_tables
from tests.builders import agent, statement
from tests.conftest import BASIC, KEY
from tests.tenancy_support import STATEMENTS, client, issue, runtime_of

pytestmark = pytest.mark.asyncio
OPS = {"Authorization": BASIC}
STATE = "/xapi/activities/state"


async def admin(app: FastAPI, method: str, path: str, **options: Any) -> Any:
    async with client(app, None) as c:
        return await c.request(method, path, headers=OPS, **options)


async def test_a_deleted_credential_stops_and_its_statements_keep_their_authority(
    app: FastAPI,
) -> None:
    platform = await issue(app, name="Old LMS")
    sent = statement()
    async with client(app, platform) as c:
        assert (await c.post(STATEMENTS, json=sent)).status_code == 200
    assert (await admin(app, "DELETE", f"/admin/credentials/{platform.key}")).status_code == 204
    async with client(app, platform) as c:
        assert (await c.get(STATEMENTS)).status_code == 401
    async with client(app, None) as c:
        kept = await c.get(STATEMENTS, params={"statementId": sent["id"]}, headers=OPS)
    assert kept.json()["authority"]["account"]["name"] == platform.key
    again = await admin(app, "DELETE", f"/admin/credentials/{platform.key}")
    assert again.status_code == 404


async def test_the_last_operator_credential_cannot_be_deleted(app: FastAPI) -> None:
    refused = await admin(app, "DELETE", f"/admin/credentials/{KEY}")
    assert refused.status_code == 409
    assert "last enabled operator" in refused.json()["message"]
    ops = await issue(app, scopes=("operator",), name="Ops team")
    async with client(app, ops) as c:
        assert (await c.delete(f"/admin/credentials/{KEY}")).status_code == 204
        events = (await c.get("/admin/audit", params={"action": "credential.delete"})).json()
    assert [e["outcome"][:13] for e in events["events"]] == ["ok", "refused (409)"]


async def seed(app: FastAPI, tenant: str) -> str:
    """A credential, statements with an attachment-free body, a document and a target."""
    platform = await issue(app, tenant=tenant, name=f"{tenant} LMS")
    async with client(app, platform) as c:
        posted = await c.post(STATEMENTS, json=[statement(actor=agent("ann")) for _ in range(3)])
        assert posted.status_code == 200, posted.text
        params = {
            "activityId": "http://example.org/a",
            "agent": '{"mbox":"mailto:ann@example.org"}',
            "stateId": "s",
        }
        assert (await c.put(STATE, params=params, json={"at": 1})).status_code == 204
    return platform.key


async def rows_of(app: FastAPI, tenant: str) -> int:
    """Records anywhere in the store that still name the tenant (audit and erasures aside; on
    MongoDB its statement counter document, with the commit markers, too)."""
    store = runtime_of(app).store
    if isinstance(store, SQLiteStore):
        conn = sqlite3.connect(store.path)
        try:
            queries = [f'SELECT count(*) FROM "{t}" WHERE tenant = ?' for t in tenant_tables(conn)]
            queries.append("SELECT count(*) FROM tenants WHERE name = ?")
            return sum(int(conn.execute(sql, (tenant,)).fetchone()[0]) for sql in queries)
        finally:
            conn.close()
    assert isinstance(store, MongoStore)
    total = 0
    for name in await store.db.list_collection_names():
        for field in ("t", "tenant"):
            if name not in ("audit", "erasures"):
                total += await store.db[name].count_documents({field: tenant})
    counter = await store.db["counters"].count_documents({"_id": counter_id(tenant)})
    return total + counter + await store.db["tenants"].count_documents({"_id": tenant})


async def test_a_confirmed_tenant_deletion_removes_exactly_that_tenant(app: FastAPI) -> None:
    doomed_key = await seed(app, "acme")
    await seed(app, "beta")
    target = ForwardTarget(tenant="acme", name="dw", kind="xapi", url="http://127.0.0.1:9/x")
    await runtime_of(app).store.outbox.add_forward_target(target)
    assert await rows_of(app, "acme") > 0
    beta_before = await rows_of(app, "beta")

    unconfirmed = await admin(app, "DELETE", "/admin/tenants/acme")
    wrong = await admin(app, "DELETE", "/admin/tenants/acme", params={"confirm": "beta"})
    assert (unconfirmed.status_code, wrong.status_code) == (400, 400)
    assert "confirm with its name" in unconfirmed.json()["message"]
    assert await rows_of(app, "acme") > 0

    deleted = await admin(app, "DELETE", "/admin/tenants/acme", params={"confirm": "acme"})
    assert deleted.status_code == 200, deleted.text
    assert sum(deleted.json()["deleted"].values()) > 0
    assert await rows_of(app, "acme") == 0
    assert await rows_of(app, "beta") == beta_before
    assert (await admin(app, "GET", "/admin/tenants/acme")).status_code == 404
    assert (await admin(app, "GET", f"/admin/credentials/{doomed_key}")).status_code == 404
    default = await admin(app, "DELETE", "/admin/tenants/default", params={"confirm": "default"})
    assert default.status_code == 400
    audit = (await admin(app, "GET", "/admin/audit", params={"action": "tenant.delete"})).json()
    outcomes = [(e["tenant"], e["outcome"][:13]) for e in audit["events"]]
    assert outcomes == [
        ("default", "refused (400)"),
        ("acme", "ok"),
        ("acme", "refused (400)"),
        ("acme", "refused (400)"),
    ]
    assert audit["events"][1]["details"]["deleted"] == deleted.json()["deleted"]
    await seed(app, "acme")  # a tenant made again under the name stores and reads afresh
    again = await issue(app, tenant="acme", scopes=("all/read",), name="acme reader")
    async with client(app, again) as c:
        assert len((await c.get(STATEMENTS)).json()["statements"]) == 3


async def test_only_operators_delete_tenants(app: FastAPI) -> None:
    await seed(app, "acme")
    tenant_admin = await issue(app, tenant="acme", scopes=("admin",), name="acme admin")
    async with client(app, tenant_admin) as c:
        refused = await c.delete("/admin/tenants/acme", params={"confirm": "acme"})
    assert refused.status_code == 403
    assert await rows_of(app, "acme") > 0

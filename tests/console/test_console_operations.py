"""The console's operations page through the app: forwarding state, dead letters and their
requeue, credentials rotated and disabled, scopes respected (issue 18)."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest
from fastapi import FastAPI

from service.app import create_app
from tests.builders import statement
from tests.conftest import client_for, make_settings
from tests.console.support import browser, sign_in
from tests.forwarding.receiver import Receiver, Served, free_port
from tests.forwarding.test_outage import FAST_RETRIES

pytestmark = pytest.mark.asyncio
STATEMENTS = "/xapi/statements"


async def test_dead_letters_are_listed_and_requeued(tmp_path: Path) -> None:
    app = create_app(make_settings(tmp_path, **{**FAST_RETRIES, "forward_max_attempts": 1}))
    port = free_port()
    receiver = Receiver(mode="fail")
    async with app.router.lifespan_context(app), Served(receiver, port):
        async with client_for(app, "2.0.0") as api:
            created = await api.post(
                "/admin/tenants/default/forwarding",
                json={"name": "warehouse", "kind": "xapi", "url": f"http://127.0.0.1:{port}/x"},
            )
            target = created.json()["id"]
            sent = statement()
            assert (await api.post(STATEMENTS, json=sent)).status_code == 200
        async with browser(app) as client:
            csrf = await sign_in(client)
            for _ in range(200):
                page = await client.get("/console/operations")
                if f"/targets/{target}/dead-letters" in page.text:
                    break
                await asyncio.sleep(0.05)
            assert "warehouse" in page.text
            assert "500" in page.text  # the last error is shown
            letters = await client.get(
                f"/console/operations/targets/{target}/dead-letters?tenant=default"
            )
            assert sent["id"] in letters.text
            receiver.mode = "ok"
            requeued = await client.post(
                f"/console/operations/targets/{target}/requeue",
                data={"csrf": csrf, "tenant": "default"},
            )
            assert requeued.status_code == 303
            for _ in range(200):
                if sent["id"] in receiver.ids:
                    break
                await asyncio.sleep(0.05)
            assert receiver.ids == [sent["id"]]


async def test_rotate_shows_a_new_secret_once_and_disable_stops_the_credential(
    app: FastAPI,
) -> None:
    async with client_for(app, "2.0.0") as api:
        made = await api.post(
            "/admin/credentials", json={"name": "lms", "scopes": ["statements/write"]}
        )
        key = made.json()["key"]
    async with browser(app) as client:
        csrf = await sign_in(client)
        asked = await client.post(
            f"/console/operations/credentials/{key}/rotate", data={"csrf": csrf}
        )
        assert "stops working at once" in asked.text  # nothing changed yet
        assert 'id="issued-secret"' not in asked.text
        rotated = await client.post(
            f"/console/operations/credentials/{key}/rotate", data={"csrf": csrf, "confirm": "yes"}
        )
        secret = re.search(r'id="issued-secret">([^<]+)<', rotated.text)
        assert secret is not None
        disabled = await client.post(
            f"/console/operations/credentials/{key}/enabled",
            data={"csrf": csrf, "enabled": "false", "confirm": "yes"},
        )
        assert disabled.status_code == 303
        page = await client.get("/console/operations")
    assert secret.group(1) not in page.text
    async with client_for(app, "2.0.0", auth=False) as plain:
        refused = await plain.post(STATEMENTS, json=statement(), auth=(key, secret.group(1)))
    assert refused.status_code == 401


async def test_operations_need_admin(app: FastAPI) -> None:
    async with client_for(app, "2.0.0") as api:
        made = await api.post(
            "/admin/credentials", json={"name": "reader", "scopes": ["statements/read"]}
        )
        issued = made.json()
    async with browser(app) as client:
        await sign_in(client, issued["key"], issued["secret"])
        page = await client.get("/console/operations")
        statements = await client.get("/console/statements")
    assert page.status_code == 403
    assert "Operations" not in statements.text.split("<main", 1)[0]  # not in the navigation


async def test_a_tenant_admin_sees_and_changes_only_its_own_tenant(app: FastAPI) -> None:
    async with client_for(app, "2.0.0") as api:
        assert (await api.post("/admin/tenants", json={"name": "acme"})).status_code == 201
        made = await api.post(
            "/admin/credentials", json={"name": "acme-admin", "scopes": ["admin"], "tenant": "acme"}
        )
        acme_admin = made.json()
        other = await api.post(
            "/admin/credentials", json={"name": "default-lms", "scopes": ["statements/write"]}
        )
        other_key = other.json()["key"]
    async with browser(app) as client:
        csrf = await sign_in(client, acme_admin["key"], acme_admin["secret"])
        page = await client.get("/console/operations")
        rotate = await client.post(
            f"/console/operations/credentials/{other_key}/rotate",
            data={"csrf": csrf, "confirm": "yes"},
        )
        tenant = await client.post(
            "/console/operations/tenants", data={"csrf": csrf, "name": "sneaky"}
        )
    assert page.status_code == 200
    assert "acme-admin" in page.text
    assert "default-lms" not in page.text
    assert "test-key" not in page.text
    assert 'action="/console/operations/tenants"' not in page.text  # operators create tenants
    assert rotate.status_code == 404  # another tenant's key does not exist for it
    assert tenant.status_code == 403


async def test_console_admin_actions_are_in_the_audit_log(app: FastAPI) -> None:
    """A credential rotated and disabled through the console is audited like the admin API:
    who (the signed-in credential), what, which key, from where (issue 20)."""
    async with client_for(app, "2.0.0") as api:
        made = await api.post("/admin/credentials", json={"name": "lms", "scopes": ["all"]})
        key = made.json()["key"]
    async with browser(app) as client:
        csrf = await sign_in(client)
        rotated = await client.post(
            f"/console/operations/credentials/{key}/rotate", data={"csrf": csrf, "confirm": "yes"}
        )
        assert rotated.status_code == 200
        disabled = await client.post(
            f"/console/operations/credentials/{key}/enabled",
            data={"csrf": csrf, "enabled": "false", "confirm": "yes"},
        )
        assert disabled.status_code == 303
    async with client_for(app, "2.0.0") as api:
        log = (await api.get("/admin/audit", params={"action": "credential.rotate"})).json()
        everything = (await api.get("/admin/audit")).json()["events"]
    rotations = [e for e in log["events"] if e["target"] == key]
    assert len(rotations) == 1
    assert rotations[0]["outcome"] == "ok"
    assert rotations[0]["actor"].startswith("credential:")
    assert rotations[0]["source"] is not None
    assert [e["action"] for e in everything if e["target"] == key][:2] == [
        "credential.disable",
        "credential.rotate",
    ]

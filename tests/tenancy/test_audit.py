"""The audit log: every administrative action, by whom, from where, how it ended, never a
secret; GET /admin/audit with filters and `python -m service audit` (issue 20)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from fastapi import FastAPI

from service.app import create_app
from tests.builders import agent
from tests.cli_support import run_cli
from tests.conftest import BASIC, KEY, make_settings
from tests.outcomes.support import PASSED, one_outcome_map
from tests.tenancy_support import Issued, client, issue

pytestmark = pytest.mark.asyncio
OPS = {"Authorization": BASIC}


@pytest.fixture
async def lrs(tmp_path: Path, store_url: str) -> AsyncIterator[FastAPI]:
    changed = make_settings(
        tmp_path,
        store_url=store_url,
        forward_allowed_networks="127.0.0.1/32",
        forwarding_enabled=False,
    )
    application = create_app(changed)
    async with application.router.lifespan_context(application):
        yield application


async def audit_events(app: FastAPI, who: Issued | None = None, **params: str) -> Any:
    headers = {} if who is not None else OPS
    async with client(app, who) as c:
        answer = await c.get("/admin/audit", params=params, headers=headers)
    assert answer.status_code == 200, answer.text
    return answer.json()["events"]


async def test_each_administrative_action_is_recorded_without_secrets(lrs: FastAPI) -> None:
    secrets: list[str] = ["forwarding-password-1", "webhook-signing-secret-2"]
    async with client(lrs, None) as c:

        async def call(method: str, path: str, body: Any = None, status: int = 200) -> Any:
            answer = await c.request(method, path, json=body, headers=OPS)
            assert answer.status_code == status, answer.text
            return answer.json() if answer.content else None

        await call("POST", "/admin/tenants", {"name": "acme"}, 201)
        await call("PATCH", "/admin/tenants/acme", {"limits": {"rate_per_second": 5}})
        created = await call(
            "POST", "/admin/credentials", {"tenant": "acme", "name": "LMS", "scopes": ["all"]}, 201
        )
        key = created["key"]
        secrets.append(created["secret"])
        await call("PATCH", f"/admin/credentials/{key}", {"scopes": ["statements/write"]})
        await call("POST", f"/admin/credentials/{key}/disable")
        await call("POST", f"/admin/credentials/{key}/enable")
        rotated = await call("POST", f"/admin/credentials/{key}/rotate", {"overlap": "7d"})
        secrets.append(rotated["secret"])
        target = await call(
            "POST",
            "/admin/tenants/acme/forwarding",
            {
                "name": "warehouse",
                "kind": "xapi",
                "url": "http://127.0.0.1:9/xapi",
                "username": "lrs",
                "password": secrets[0],
            },
            201,
        )
        await call(
            "POST",
            "/admin/tenants/acme/forwarding",
            {
                "name": "hook",
                "kind": "webhook",
                "url": "http://127.0.0.1:9/h",
                "secret": secrets[1],
            },
            201,
        )
        await call("PATCH", f"/admin/tenants/acme/forwarding/{target['id']}", {"enabled": False})
        await call("POST", "/admin/tenants/acme/dead-letters/requeue", {})
        await call("DELETE", f"/admin/tenants/acme/forwarding/{target['id']}", status=204)
        await call("POST", "/admin/tenants/acme/erasures", {"agent": agent("ann")}, 201)
        if lrs.state.runtime.store.outcomes is not None:
            await call("PUT", "/outcomes/map", one_outcome_map({"all": [{"verbs": [PASSED]}]}), 201)
        await call("POST", "/admin/tenants", {"name": "acme"}, 409)

    events = await audit_events(lrs)
    actions = [e["action"] for e in reversed(events)]
    expected = [
        "tenant.create",
        "tenant.update",
        "credential.create",
        "credential.update",
        "credential.disable",
        "credential.enable",
        "credential.rotate",
        "forwarding.add",
        "forwarding.add",
        "forwarding.disable",
        "dead_letters.requeue",
        "forwarding.delete",
        "erasure.erase",
    ]
    if lrs.state.runtime.store.outcomes is not None:
        expected.append("outcome_map.install")
    assert actions == [*expected, "tenant.create"]
    for e in events:
        assert e["actor"] == f"credential:{KEY} (bootstrap)"
        assert e["source"] == "127.0.0.1"
        assert e["at_ms"] > 0
    assert [e["outcome"] for e in events[1:]] == ["ok"] * len(expected)
    assert events[0]["outcome"].startswith("refused (409)")
    by_action = {e["action"]: e for e in events[1:]}
    assert by_action["credential.create"]["target"] == key
    assert by_action["credential.rotate"]["details"] == {"overlap_seconds": 7 * 86400}
    assert by_action["credential.rotate"]["tenant"] == "acme"
    assert by_action["forwarding.delete"]["target"] == str(target["id"])
    assert by_action["erasure.erase"]["details"]["statements_deleted"] == 0
    assert "ann" not in str(by_action["erasure.erase"])  # the agent hash, never the identifier
    text = orjson.dumps(events).decode()
    for secret in secrets:
        assert secret not in text
    assert "scrypt" not in text


async def test_refused_actions_are_recorded_and_tenant_admins_see_their_own(
    lrs: FastAPI,
) -> None:
    tenant_admin = await issue(lrs, tenant="beta", scopes=("admin",), name="beta admin")
    async with client(lrs, tenant_admin) as c:
        assert (await c.post("/admin/tenants", json={"name": "mine"})).status_code == 403
        own = await c.post("/admin/credentials", json={"name": "LMS", "scopes": ["all"]})
        assert own.status_code == 201
        assert (await c.get("/admin/audit", params={"tenant": "default"})).status_code == 403
        assert (await c.get("/admin/audit", params={"since": "yesterday"})).status_code == 400
    everything = await audit_events(lrs)
    refused = next(e for e in everything if e["action"] == "tenant.create")
    assert refused["actor"] == f"credential:{tenant_admin.key} (beta admin)"
    assert refused["outcome"] == "refused (403): creating a tenant needs the 'operator' scope"
    seen_by_admin = await audit_events(lrs, tenant_admin)
    assert [e["action"] for e in seen_by_admin] == ["credential.create"]
    assert await audit_events(lrs, action="credential.", actor=f"credential:{tenant_admin.key}")
    assert await audit_events(lrs, since="2999-01-01T00:00:00Z") == []


async def test_the_command_line_records_and_reads_the_log(tmp_path: Path) -> None:
    store = tmp_path / "lrs.sqlite3"
    assert run_cli("tenants", "create", "acme", store=store).returncode == 0
    created = run_cli("credentials", "create", "--tenant", "acme", "--name", "BI", store=store)
    assert created.returncode == 0
    assert run_cli("credentials", "rotate", "nokey", store=store).returncode == 1
    listed = run_cli("audit", "--json", store=store)
    assert listed.returncode == 0, listed.stderr
    events = orjson.loads(listed.stdout)["events"]
    assert [e["action"] for e in events] == [
        "credential.rotate",
        "credential.create",
        "tenant.create",
    ]
    assert all(e["actor"].startswith("cli:") for e in events)
    assert all(e["source"].startswith("cli@") for e in events)
    assert events[0]["outcome"].startswith("refused (404)")
    secret = created.stdout.split("secret: ")[1].split()[0]
    assert secret not in listed.stdout
    table = run_cli("audit", "--tenant", "acme", "--action", "tenant.", store=store)
    assert "tenant.create" in table.stdout
    assert "credential" not in table.stdout


async def test_a_refused_target_url_is_recorded_without_its_password(lrs: FastAPI) -> None:
    async with client(lrs, None) as c:
        refused = await c.post(
            "/admin/tenants/default/forwarding",
            json={"name": "dw", "kind": "xapi", "url": "http://lrs:hunter22@127.0.0.1:9/x"},
            headers=OPS,
        )
    assert refused.status_code == 400
    [event] = await audit_events(lrs, action="forwarding.add")
    assert event["details"]["url"] == "http://lrs:***@127.0.0.1:9/x"
    assert event["outcome"].startswith("refused (400)")
    assert "hunter22" not in orjson.dumps(event).decode()

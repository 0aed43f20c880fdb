"""Retention policies over HTTP and the CLI: a dry run counts, a run deletes exactly those,
outcome evidence is retracted, tombstones are kept, every run is audited, and the
service runs policies on its own schedule (issue 20)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import orjson
from fastapi import FastAPI

from service.app import create_app
from service.model.retention import RetentionPolicy
from tests.cli_support import run_cli
from tests.conftest import BASIC, make_settings
from tests.outcomes.support import PASSED, one_outcome_map, passed, post_statements, put_map, settle
from tests.tenancy_support import client, runtime_of

OPS = {"Authorization": BASIC}
OLD, NEW = "2019-03-01T09:00:00.000Z", "2099-01-01T00:00:00.000Z"


async def call(app: FastAPI, method: str, path: str, body: Any = None) -> Any:
    async with client(app, None) as c:
        answer = await c.request(method, path, json=body, headers=OPS)
    assert answer.status_code < 300, answer.text
    return answer.json()


async def attained(app: FastAPI) -> list[str]:
    async with client(app, None) as c:
        c.headers.update(OPS)
        await settle(c)
        found = (await c.get("/outcomes/attainments")).json()["attainments"]
    return sorted(a["learner"] for a in found)


async def test_dry_run_then_run_deletes_exactly_those_and_outcomes_follow(
    tmp_path: Path,
) -> None:
    application = create_app(make_settings(tmp_path))
    async with application.router.lifespan_context(application):
        async with client(application, None) as c:
            c.headers.update(OPS)
            await post_statements(
                c, passed("ann", timestamp=OLD), passed("bob"), passed("cat", timestamp=NEW)
            )
            await put_map(c, one_outcome_map({"all": [{"verbs": [PASSED]}]}))
        before = await attained(application)
        assert len(before) == 3

        policy = await call(
            application,
            "PUT",
            "/admin/tenants/default/retention",
            {"period": "P3Y", "field": "timestamp"},
        )
        assert policy["policy"] == {"period": "P3Y", "field": "timestamp"}
        dry = await call(application, "POST", "/admin/tenants/default/retention/run", {})
        assert (dry["dry_run"], dry["statements"]) == (True, 1)
        run = await call(
            application, "POST", "/admin/tenants/default/retention/run", {"dry_run": False}
        )
        assert (run["dry_run"], run["statements"]) == (False, 1)
        again = await call(application, "POST", "/admin/tenants/default/retention/run", {})
        assert again["statements"] == 0

        after = await attained(application)
        assert after == sorted(set(before) - {before[0]})  # ann's only evidence is gone
        tombstones = await runtime_of(application).store.retention.list_tombstones("default", 0, 10)
        assert len(tombstones) == 1
        audit = await call(application, "GET", "/admin/audit", None)
        actions = [e["action"] for e in audit["events"] if e["action"].startswith("retention")]
        assert actions == [
            "retention.dry_run",
            "retention.run",
            "retention.dry_run",
            "retention.set",
        ]
        assert audit["events"][1]["details"]["statements"] == 1


async def test_the_service_applies_policies_on_its_schedule(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, retention_interval_seconds=0.2)
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        async with client(application, None) as c:
            c.headers.update(OPS)
            await post_statements(c, passed("ann", timestamp=OLD), passed("bob"))
        store = runtime_of(application).store
        await store.retention.set_retention_policy("default", RetentionPolicy("P1Y", "timestamp"))
        for _ in range(100):  # until a run has ended: its audit event is written last
            audit = await call(application, "GET", "/admin/audit?action=retention.run")
            if audit["events"]:
                break
            await asyncio.sleep(0.05)
        assert await store.retention.list_tombstones("default", 0, 10)
    assert audit["events"][0]["actor"] == "service:retention"
    assert audit["events"][-1]["details"]["statements"] == 1


async def test_bad_policies_are_refused(app: FastAPI) -> None:
    async with client(app, None) as c:
        for body, message in (
            ({"period": "3 years"}, "invalid period"),
            ({"period": "P0D"}, "at least one day"),
            ({"period": "P3Y", "field": "updated"}, "field"),
        ):
            refused = await c.put("/admin/tenants/default/retention", json=body, headers=OPS)
            assert refused.status_code == 400
            assert message in refused.json()["message"]
        missing = await c.post("/admin/tenants/default/retention/run", headers=OPS)
    assert missing.status_code == 404


def test_the_command_line_sets_counts_and_runs(tmp_path: Path) -> None:
    store = tmp_path / "lrs.sqlite3"
    assert run_cli("retention", "set", "default", "--period", "P2Y", store=store).returncode == 0
    dry = run_cli("retention", "run", "default", "--dry-run", "--json", store=store)
    assert dry.returncode == 0, dry.stderr
    assert orjson.loads(dry.stdout)["statements"] == 0
    shown = run_cli("retention", "show", store=store)
    assert "P2Y" in shown.stdout
    assert run_cli("retention", "clear", "default", store=store).returncode == 0
    assert run_cli("retention", "run", "default", store=store).returncode == 1
    listed = orjson.loads(run_cli("audit", "--json", store=store).stdout)
    actions = [e["action"] for e in listed["events"]]
    assert actions == ["retention.run", "retention.set", "retention.dry_run", "retention.set"]

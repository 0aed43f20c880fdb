"""`python -m service migrate`: a whole LRS from SQLite to MongoDB, then served from there.

The source LRS holds two tenants, voided statements, an attachment, a `statements/read/mine`
credential and documents. The copy runs as a real process while the source app keeps serving;
the LRS started on the target finds every statement by id with the same `stored`, pages in the
same order, serves the same documents with the same ETags, and the read/mine credential sees
exactly its own statements (SR-45, SR-46, AU-5, D-5).
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from fastapi import FastAPI

from service.app import create_app
from tests.api.multipart_helpers import attachment_meta, multipart_body
from tests.builders import activity, agent, statement, voiding
from tests.conftest import make_settings
from tests.migration import run_migrate
from tests.tenancy_support import Issued, client, issue

pytestmark = pytest.mark.asyncio
STATEMENTS = "/xapi/statements"


@pytest.fixture
def target_url(fresh_mongo_url: str) -> str:
    return fresh_mongo_url


async def _app(tmp_path: Path, url: str) -> FastAPI:
    return create_app(make_settings(tmp_path, store_url=url))


async def _post(http: httpx.AsyncClient, statements: list[dict[str, Any]]) -> None:
    response = await http.post(STATEMENTS, json=statements)
    assert response.status_code == 200, response.text


async def _all_pages(http: httpx.AsyncClient, params: dict[str, str]) -> list[dict[str, Any]]:
    """Every statement of a query, following `more` (SR-46)."""
    found: list[dict[str, Any]] = []
    response = await http.get(STATEMENTS, params=params)
    while True:
        assert response.status_code == 200, response.text
        page = response.json()
        found += page["statements"]
        if not page.get("more"):
            return found
        response = await http.get(page["more"])


async def _fill(app: FastAPI) -> dict[str, Any]:
    """Two tenants' worth of data; returns the credentials and what was sent."""
    acme = await issue(
        app, tenant="acme", name="acme-all", scopes=("all", "outcomes/read", "outcomes/write")
    )
    mine = await issue(
        app, tenant="acme", name="acme-mine", scopes=("statements/write", "statements/read/mine")
    )
    beta = await issue(app, tenant="beta", name="beta-all")
    sent: dict[str, list[str]] = {"acme": [], "beta": [], "mine": []}
    async with client(app, acme) as http:
        for n in range(3):
            batch = [
                statement(actor=agent(f"a{n}{i}"), obj=activity(f"c{i}", name={"en-US": f"C{i}"}))
                for i in range(7)
            ]
            await _post(http, batch)
            sent["acme"] += [s["id"] for s in batch]
        await _post(http, [voiding(sent["acme"][0])])
        data = b"attached bytes"
        with_file = statement(attachments=[attachment_meta(data)])
        body, content_type = multipart_body([with_file], [(data, "text/plain")])
        response = await http.post(STATEMENTS, content=body, headers={"Content-Type": content_type})
        assert response.status_code == 200, response.text
        state = {
            "activityId": activity()["id"],
            "agent": orjson.dumps(agent()).decode(),
            "stateId": "s1",
        }
        assert (
            await http.put("/xapi/activities/state", params=state, json={"x": 1})
        ).status_code == 204
        await _outcomes(http)
    async with client(app, mine) as http:
        batch = [statement(actor=agent("m")) for _ in range(4)]
        await _post(http, batch)
        sent["mine"] = [s["id"] for s in batch]
    async with client(app, beta) as http:
        batch = [statement(verb="attempted") for _ in range(5)]
        await _post(http, batch)
        await _post(http, [voiding(batch[1]["id"])])
        profile = {"activityId": activity("b")["id"], "profileId": "p1"}
        assert (
            await http.put("/xapi/activities/profile", params=profile, json={"y": 2})
        ).status_code == 204
    return {"acme": acme, "mine": mine, "beta": beta, "sent": sent}


COMPLETED = "http://example.org/verbs/completed"
OUTCOME_MAP = {
    "name": "Courses",
    "kpis": [{"id": "revenue", "name": "Revenue"}],
    "outcomes": [
        {
            "id": "a-course",
            "name": "A course",
            "kpis": ["revenue"],
            "criteria": {"all": [{"verbs": [COMPLETED], "at_least": 1}]},
        }
    ],
}


async def _outcomes(http: httpx.AsyncClient) -> None:
    """An outcome map evaluated over the tenant's statements, a roster with history, KPIs."""
    roster = [
        {"learner": f"mailto:a{n}{i}@example.org", "department": f"D{i % 2}"}
        for n in range(3)
        for i in range(7)
    ]
    assert (await http.put("/outcomes/roster", json=roster)).status_code == 200
    moved = [{"learner": "mailto:a00@example.org", "department": "D9"}]
    response = await http.post("/outcomes/roster", params={"effective": "2026-01-01"}, json=moved)
    assert response.status_code == 200, response.text
    kpis = [
        {"kpi": "revenue", "org_unit": f"D{d}", "period": "2026-01", "value": 1.5 * d}
        for d in range(2)
    ]
    assert (await http.put("/outcomes/kpis", json=kpis)).status_code == 200
    assert (await http.put("/outcomes/map", json=OUTCOME_MAP)).status_code == 201
    await _settled(http)


async def _settled(http: httpx.AsyncClient) -> None:
    for _ in range(500):
        versions = (await http.get("/outcomes/map/evaluation")).json()["versions"]
        if versions and all(
            v["status"] == "current" and not v["pending_statements"] for v in versions
        ):
            return
        await asyncio.sleep(0.02)
    raise AssertionError(versions)


async def _outcome_view(app: FastAPI, who: Issued) -> dict[str, Any]:
    """Attainments with their evidence, the roster with history, rates and KPIs as served."""
    async with client(app, who) as http:
        await _settled(http)
        view: dict[str, Any] = {}
        for path, params in (
            ("/outcomes/attainments", {"evidence": "true", "limit": "100"}),
            ("/outcomes/roster", {}),
            ("/outcomes/roster/history", {"learner": "mailto:a00@example.org"}),
            ("/outcomes/rates", {"since": "2025-12", "until": "2026-02"}),
            ("/outcomes/kpis", {}),
            ("/outcomes/map/versions", {}),
        ):
            response = await http.get(path, params=params)
            view[path] = (response.status_code, response.json())
    return view


async def _view(app: FastAPI, who: Issued, ids: list[str], voided: list[str]) -> dict[str, Any]:
    """What a user of this credential sees: pages, lookups by id, documents."""
    async with client(app, who) as http:
        view: dict[str, Any] = {
            "pages": await _all_pages(http, {"limit": "4"}),
            "ascending": [
                s["id"] for s in await _all_pages(http, {"limit": "3", "ascending": "true"})
            ],
        }
        middle = view["pages"][len(view["pages"]) // 2]["stored"]
        for bound in ("since", "until"):
            view[bound] = [s["id"] for s in await _all_pages(http, {bound: middle, "limit": "5"})]
        view["by_id"] = {}
        for statement_id in ids:
            response = await http.get(STATEMENTS, params={"statementId": statement_id})
            view["by_id"][statement_id] = (response.status_code, response.content)
        for statement_id in voided:
            response = await http.get(STATEMENTS, params={"voidedStatementId": statement_id})
            view["by_id"][f"voided:{statement_id}"] = (response.status_code, response.content)
        documents = []
        for path, params in (
            (
                "/xapi/activities/state",
                {
                    "activityId": activity()["id"],
                    "agent": orjson.dumps(agent()).decode(),
                    "stateId": "s1",
                },
            ),
            ("/xapi/activities/profile", {"activityId": activity("b")["id"], "profileId": "p1"}),
        ):
            response = await http.get(path, params=params)
            documents.append(
                (
                    response.status_code,
                    response.content,
                    response.headers.get("etag"),
                    response.headers.get("last-modified"),
                )
            )
        view["documents"] = documents
    return view


async def test_sqlite_to_mongodb_keeps_ids_stored_order_documents_and_mine(
    tmp_path: Path, target_url: str
) -> None:
    source_url = f"sqlite:///{tmp_path / 'source' / 'lrs.sqlite3'}"
    source = await _app(tmp_path / "source", source_url)
    async with source.router.lifespan_context(source):
        who = await _fill(source)
        acme_ids = [
            s["id"] for s in await _all_pages(client(source, who["acme"]), {"limit": "100"})
        ]
        all_acme = who["sent"]["acme"] + who["sent"]["mine"]
        before = {
            name: await _view(
                source, who[name], all_acme + who["sent"]["beta"], [who["sent"]["acme"][0]]
            )
            for name in ("acme", "mine", "beta")
        }
        outcomes_before = await _outcome_view(source, who["acme"])
        copied = run_migrate("--from", source_url, "--to", target_url)  # while the source serves
        assert copied.returncode == 0, copied.stdout + copied.stderr
        assert "verified: counts and id checksums equal" in copied.stdout
        again = run_migrate("--from", source_url, "--to", target_url)
        assert again.returncode == 2
        assert "already holds data" in again.stderr
        resumed = run_migrate("--from", source_url, "--to", target_url, "--resume")
        assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    target = await _app(tmp_path / "target", target_url)
    async with target.router.lifespan_context(target):
        after = {
            name: await _view(
                target, who[name], all_acme + who["sent"]["beta"], [who["sent"]["acme"][0]]
            )
            for name in ("acme", "mine", "beta")
        }
        outcomes_after = await _outcome_view(target, who["acme"])
    assert len(acme_ids) == 3 * 7 + 1 + 1 + 4 - 1  # the voided one is hidden
    for name in ("acme", "mine", "beta"):
        assert after[name] == before[name], name
    mine_seen = {s["id"] for s in after["mine"]["pages"]}
    assert mine_seen == set(who["sent"]["mine"])
    assert len(after["beta"]["pages"]) == 5  # 4 left after the void, and the voiding one
    attained = outcomes_before["/outcomes/attainments"][1]["attainments"]
    learners = {a["learner"] for a in attained}
    assert len(learners) == 3 * 7 - 1 + 2  # a00's statement is voided; two more actors
    assert "mailto:a00@example.org" not in learners
    assert outcomes_after == outcomes_before  # the same attainments, roster history, rates
    status, _, etag, _ = after["acme"]["documents"][0]
    assert status == 200
    assert etag

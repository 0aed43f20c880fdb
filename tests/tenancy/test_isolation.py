"""Two tenants, two platforms each, ingesting at once: no request ever sees the other tenant."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
import orjson
import pytest
from fastapi import FastAPI

from tests.api.multipart_helpers import attachment_meta, multipart_body
from tests.builders import activity, agent, statement, voiding
from tests.tenancy_support import STATEMENTS, client, issue

pytestmark = pytest.mark.asyncio
TENANTS = ("north", "south")
PER_PLATFORM = 30


def learner(tenant: str) -> dict[str, Any]:
    return agent(f"learner-{tenant}")


async def ingest(app: FastAPI, tenant: str, platform: str) -> list[str]:
    """One platform posts its statements in small batches; returns the ids it stored."""
    who = await issue(app, tenant=tenant, name=platform, scopes=("statements/write", "define"))
    ids: list[str] = []
    async with client(app, who) as c:
        for start in range(0, PER_PLATFORM, 5):
            batch = [
                statement(
                    actor=learner(tenant),
                    obj=activity(f"{tenant}-{platform}-{n}", name={"en-US": f"{tenant} course"}),
                )
                for n in range(start, start + 5)
            ]
            response = await c.post(STATEMENTS, json=batch)
            assert response.status_code == 200, response.text
            ids += response.json()
    return ids


async def read_all(c: httpx.AsyncClient, **params: str) -> list[dict[str, Any]]:
    """Every statement a query returns, following `more` links."""
    found: list[dict[str, Any]] = []
    response = await c.get(STATEMENTS, params={"limit": "7", **params})
    while True:
        assert response.status_code == 200, response.text
        page = response.json()
        found += page["statements"]
        if not page["more"]:
            return found
        response = await c.get(page["more"])


async def test_concurrent_ingest_and_zero_cross_tenant_reads(app: FastAPI) -> None:
    """Four platforms in two tenants write at once; each tenant reads exactly its own."""
    jobs = [ingest(app, tenant, platform) for tenant in TENANTS for platform in ("lms", "lxp")]
    results = await asyncio.gather(*jobs)
    written = {"north": set(results[0] + results[1]), "south": set(results[2] + results[3])}
    assert all(len(ids) == 2 * PER_PLATFORM for ids in written.values())
    for tenant, other in (TENANTS, TENANTS[::-1]):
        reader = await issue(app, tenant=tenant, scopes=("statements/read",), name="bi")
        async with client(app, reader) as c:
            assert {s["id"] for s in await read_all(c)} == written[tenant]
            mine_agent = orjson.dumps(learner(tenant)).decode()
            assert {s["id"] for s in await read_all(c, agent=mine_agent)} == written[tenant]
            their_agent = orjson.dumps(learner(other)).decode()
            assert await read_all(c, agent=their_agent) == []
            for foreign_id in list(written[other])[:3]:
                single = await c.get(STATEMENTS, params={"statementId": foreign_id})
                assert single.status_code == 404
            activity_id = activity(f"{other}-lms-0")["id"]
            assert await read_all(c, activity=activity_id) == []


async def test_more_token_of_another_tenant_reveals_nothing(app: FastAPI) -> None:
    """A `more` link replayed by another tenant reads that tenant's statements, never these."""
    north = await issue(app, tenant="north")
    south = await issue(app, tenant="south")
    async with client(app, north) as n, client(app, south) as s:
        await n.post(STATEMENTS, json=[statement() for _ in range(3)])
        more = (await n.get(STATEMENTS, params={"limit": "1"})).json()["more"]
        assert more
        replay = await s.get(more)
        assert replay.status_code == 200
        assert replay.json()["statements"] == []


async def test_voiding_never_reaches_another_tenant(app: FastAPI) -> None:
    """SR-20 within a tenant only: voiding a foreign id voids nothing there."""
    north = await issue(app, tenant="north")
    south = await issue(app, tenant="south")
    target = statement()
    async with client(app, north) as n, client(app, south) as s:
        assert (await n.post(STATEMENTS, json=target)).status_code == 200
        assert (await s.post(STATEMENTS, json=voiding(target["id"]))).status_code == 200
        still = await n.get(STATEMENTS, params={"statementId": target["id"]})
        assert still.status_code == 200
        voided = await s.get(STATEMENTS, params={"voidedStatementId": target["id"]})
        assert voided.status_code == 404


async def test_documents_activities_agents_are_per_tenant(app: FastAPI) -> None:
    """State, profiles, activity definitions and agent names stay in their tenant."""
    north = await issue(app, tenant="north")
    south = await issue(app, tenant="south")
    person = agent("dana")
    act = activity("secret-course", name={"en-US": "North only"})
    agent_json = orjson.dumps(person).decode()
    state = {"activityId": act["id"], "agent": agent_json, "stateId": "bookmark"}
    profile = {"activityId": act["id"], "profileId": "p"}
    agent_profile = {"agent": agent_json, "profileId": "p"}
    async with client(app, north) as n, client(app, south) as s:
        assert (await n.post(STATEMENTS, json=statement(actor=person, obj=act))).status_code == 200
        assert (await n.put("/xapi/activities/state", params=state, json={"page": 3})).is_success
        assert (await n.put("/xapi/activities/profile", params=profile, json={"a": 1})).is_success
        assert (await n.put("/xapi/agents/profile", params=agent_profile, json={"b": 2})).is_success
        for path, params in (
            ("/xapi/activities/state", state),
            ("/xapi/activities/profile", profile),
            ("/xapi/agents/profile", agent_profile),
        ):
            assert (await n.get(path, params=params)).status_code == 200
            assert (await s.get(path, params=params)).status_code == 404
        definition = (await s.get("/xapi/activities", params={"activityId": act["id"]})).json()
        assert "definition" not in definition
        person_south = (await s.get("/xapi/agents", params={"agent": agent_json})).json()
        assert person_south.get("name", []) == ["Dana"]  # only the name it was asked with
        person_north = (
            await n.get(
                "/xapi/agents", params={"agent": orjson.dumps({"mbox": person["mbox"]}).decode()}
            )
        ).json()
        assert person_north["name"] == ["Dana"]


async def test_attachments_are_per_tenant(app: FastAPI) -> None:
    """AT-20 per tenant: the same sha2 in another tenant does not return this tenant's bytes."""
    north = await issue(app, tenant="north")
    south = await issue(app, tenant="south")
    data = b"north's certificate " + uuid.uuid4().bytes
    meta = attachment_meta(data)
    body, content_type = multipart_body(statement(attachments=[meta]), [(data, "text/plain")])
    async with client(app, north) as n, client(app, south) as s:
        posted = await n.post(STATEMENTS, content=body, headers={"Content-Type": content_type})
        assert posted.status_code == 200, posted.text
        pointer = {**meta, "fileUrl": "http://example.org/cert"}
        assert (await s.post(STATEMENTS, json=statement(attachments=[pointer]))).status_code == 200
        north_read = await n.get(STATEMENTS, params={"attachments": "true"})
        south_read = await s.get(STATEMENTS, params={"attachments": "true"})
        assert data in north_read.content
        assert data not in south_read.content

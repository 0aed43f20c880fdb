"""Erasure of one agent in one tenant (GDPR): deleted, redacted, recorded, and unfindable."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from fastapi import FastAPI

from tests.api.multipart_helpers import attachment_meta, multipart_body
from tests.builders import activity, agent, statement
from tests.tenancy_support import STATEMENTS, Issued, client, issue

pytestmark = pytest.mark.asyncio
ERIN = agent("erin")
ERIN_JSON = orjson.dumps({"mbox": ERIN["mbox"]}).decode()
ERASE = "/admin/tenants/default/erasures"


def group_with(member: dict[str, Any]) -> dict[str, Any]:
    return {"objectType": "Group", "name": "team", "member": [member, agent("gus")]}


async def seed(app: FastAPI) -> dict[str, Any]:
    """Erin everywhere in `default`, and once in tenant `south`."""
    writer = await issue(app, scopes=("all",), name="lms")
    data = b"erin's certificate"
    as_actor = [statement(actor=ERIN) for _ in range(2)]
    newest = statement(actor=ERIN, verb="erased-verb")
    as_object = statement(actor=agent("ian"), obj=ERIN)
    with_file = statement(actor=ERIN, attachments=[attachment_meta(data)])
    as_instructor = statement(actor=agent("olga"), context={"instructor": ERIN})
    as_member = statement(actor=group_with(ERIN))
    unrelated = statement(actor=agent("olga"))
    async with client(app, writer) as c:
        body, content_type = multipart_body(with_file, [(data, "text/plain")])
        posted = await c.post(STATEMENTS, content=body, headers={"Content-Type": content_type})
        assert posted.status_code == 200, posted.text
        batch = [*as_actor, as_object, as_instructor, as_member, unrelated, newest]
        assert (await c.post(STATEMENTS, json=batch)).status_code == 200
        state = {"activityId": activity()["id"], "agent": ERIN_JSON, "stateId": "s"}
        assert (await c.put("/xapi/activities/state", params=state, json={"p": 1})).is_success
        profile = {"agent": ERIN_JSON, "profileId": "p"}
        assert (await c.put("/xapi/agents/profile", params=profile, json={"p": 1})).is_success
        olga = {"agent": orjson.dumps(agent("olga")).decode(), "profileId": "p"}
        assert (await c.put("/xapi/agents/profile", params=olga, json={"p": 1})).is_success
    south = await issue(app, tenant="south", name="south")
    elsewhere = statement(actor=ERIN)
    async with client(app, south) as s:
        assert (await s.post(STATEMENTS, json=elsewhere)).status_code == 200
    return {
        "writer": writer,
        "south": south,
        "deleted": [*as_actor, newest, as_object, with_file],
        "redacted": [as_instructor, as_member],
        "kept": [unrelated],
        "elsewhere": elsewhere,
        "state": state,
        "profile": profile,
        "olga": olga,
    }


async def test_erasure_deletes_redacts_and_records(app: FastAPI) -> None:
    seeded = await seed(app)
    admin = await issue(app, scopes=("admin",), name="dpo")
    async with client(app, admin) as ops:
        response = await ops.post(ERASE, json={"agent": {"mbox": ERIN["mbox"]}})
        assert response.status_code == 201, response.text
        record = response.json()
        assert record["counts"] == {
            "statements_deleted": 5,
            "statements_redacted": 2,
            "documents_deleted": 2,
            "attachments_deleted": 1,
            "outbox_deleted": 0,
            "agents_deleted": 1,
            "outcome_rows_deleted": 0,
        }
        assert record["erased_by"].startswith(f"credential:{admin.key}")
        assert "erin" not in response.text
        listed = await ops.get(ERASE, params={"agent": ERIN_JSON})
        assert [r["id"] for r in listed.json()["erasures"]] == [record["id"]]
        other = await ops.get(ERASE, params={"agent": orjson.dumps(agent("olga")).decode()})
        assert other.json()["erasures"] == []
    writer: Issued = seeded["writer"]
    async with client(app, writer) as c:
        everything = await c.get(STATEMENTS, params={"limit": "100"})
        assert "erin@example.org" not in everything.text
        assert (
            "erin's certificate"
            not in (await c.get(STATEMENTS, params={"attachments": "true"})).text
        )
        ids = [s["id"] for s in everything.json()["statements"]]
        assert set(ids) == {s["id"] for s in seeded["redacted"] + seeded["kept"]}
        for gone in seeded["deleted"]:
            assert (await c.get(STATEMENTS, params={"statementId": gone["id"]})).status_code == 404
        for params in ({"agent": ERIN_JSON}, {"agent": ERIN_JSON, "related_agents": "true"}):
            assert (await c.get(STATEMENTS, params=params)).json()["statements"] == []
        verb = {"verb": "http://example.org/verbs/erased-verb"}
        assert (await c.post(STATEMENTS, json=statement(actor=agent("zed")))).status_code == 200
        assert (await c.get(STATEMENTS, params=verb)).json()["statements"] == []
        assert (await c.get("/xapi/activities/state", params=seeded["state"])).status_code == 404
        assert (await c.get("/xapi/agents/profile", params=seeded["profile"])).status_code == 404
        assert (await c.get("/xapi/agents/profile", params=seeded["olga"])).status_code == 200
        person = (await c.get("/xapi/agents", params={"agent": ERIN_JSON})).json()
        assert "name" not in person
        redacted = [s for s in everything.json()["statements"] if s["id"] in ids[:2]]
        assert any("urn:lrs:erased" in orjson.dumps(s).decode() for s in redacted)
    south: Issued = seeded["south"]
    async with client(app, south) as s:
        kept = await s.get(STATEMENTS, params={"statementId": seeded["elsewhere"]["id"]})
        assert kept.status_code == 200


@pytest.mark.parametrize(
    ("agent_value", "status", "words"),
    [
        ({"mbox": "erin@example.org"}, 400, "agent"),
        ({"name": "Erin"}, 400, "agent"),
        ("not an object", 400, "agent"),
    ],
)
async def test_bad_agent_changes_nothing(
    app: FastAPI, agent_value: object, status: int, words: str
) -> None:
    """A malformed agent identifier is a clear 400 and erases nothing."""
    seeded = await seed(app)
    admin = await issue(app, scopes=("admin",), name="dpo")
    async with client(app, admin) as ops:
        response = await ops.post(ERASE, json={"agent": agent_value})
        assert response.status_code == status
        assert words in response.json()["message"]
        assert (await ops.get(ERASE)).json()["erasures"] == []
    async with client(app, seeded["writer"]) as c:
        found = (await c.get(STATEMENTS, params={"agent": ERIN_JSON})).json()["statements"]
        assert len(found) == 6  # actor, object, or member of the actor group (SR-42)


async def test_erasure_is_confined_to_the_admins_tenant(app: FastAPI) -> None:
    """A tenant admin cannot erase in another tenant; an unknown tenant is 404 for operators."""
    await seed(app)
    south_admin = await issue(app, tenant="south", scopes=("admin",), name="south-dpo")
    operator = await issue(app, scopes=("operator",), name="ops")
    async with client(app, south_admin) as s, client(app, operator) as o:
        assert (await s.post(ERASE, json={"agent": {"mbox": ERIN["mbox"]}})).status_code == 403
        missing = await o.post(
            "/admin/tenants/nowhere/erasures", json={"agent": {"mbox": ERIN["mbox"]}}
        )
        assert missing.status_code == 404

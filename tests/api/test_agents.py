"""The Agents resource through HTTP (RS-6, RS-7, SR-7, T-12, T-20, T-22)."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import orjson
import pytest
from fastapi import FastAPI

from tests.api.document_support import credential_client
from tests.builders import statement

pytestmark = pytest.mark.asyncio
PATH = "/xapi/agents"


def person_of(agent: dict[str, Any]) -> dict[str, str]:
    return {"agent": orjson.dumps(agent).decode()}


def fresh_mbox() -> str:
    return f"mailto:{uuid.uuid4().hex}@example.org"


async def get_person(client: httpx.AsyncClient, agent: dict[str, Any]) -> dict[str, Any]:
    response = await client.get(PATH, params=person_of(agent))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_unknown_agent_gets_the_request_data_rs6(client: httpx.AsyncClient) -> None:
    """RS-6: an agent never seen → 200 Person with the requested name and IFI as arrays."""
    mbox = fresh_mbox()
    person = await get_person(client, {"objectType": "Agent", "name": "Rick", "mbox": mbox})
    assert person == {"objectType": "Person", "name": ["Rick"], "mbox": [mbox]}


@pytest.mark.parametrize(
    "ifi",
    [
        {"mbox_sha1sum": "a" * 40},
        {"openid": "http://openid.example.org/rick"},
        {"account": {"homePage": "http://example.org", "name": "rick"}},
    ],
)
async def test_each_ifi_is_an_array_rs6(client: httpx.AsyncClient, ifi: dict[str, Any]) -> None:
    """RS-6: mbox_sha1sum, openid and account come back as one-element arrays."""
    person = await get_person(client, ifi)
    ((name, value),) = ifi.items()
    assert person == {"objectType": "Person", name: [value]}


async def test_names_from_stored_statements_rs6(client: httpx.AsyncClient) -> None:
    """RS-6, SR-7: names used with the agent in statements are returned, once each."""
    mbox = fresh_mbox()
    team_member = fresh_mbox()
    first = statement(actor={"objectType": "Agent", "name": "Ann", "mbox": mbox})
    second = statement(
        actor={"mbox": mbox, "name": "Ann Smith"},
        context={
            "instructor": {"mbox": mbox, "name": "Ann"},
            "team": {"objectType": "Group", "member": [{"mbox": team_member, "name": "Bo"}]},
        },
    )
    response = await client.post("/xapi/statements", json=[first, second])
    assert response.status_code == 200, response.text
    person = await get_person(client, {"mbox": mbox})
    assert person == {"objectType": "Person", "name": ["Ann", "Ann Smith"], "mbox": [mbox]}
    assert (await get_person(client, {"mbox": team_member}))["name"] == ["Bo"]


async def test_authority_is_not_recorded_rs6(client: httpx.AsyncClient) -> None:
    """RS-6: the authority the LRS adds is not an agent the statement names."""
    response = await client.post("/xapi/statements", json=statement())
    assert response.status_code == 200
    authority = (await client.get("/xapi/statements", params={"limit": 1})).json()
    account = authority["statements"][0]["authority"]["account"]
    person = await get_person(client, {"account": account})
    assert "name" not in person


async def test_rejected_batch_records_no_names_t22(client: httpx.AsyncClient) -> None:
    """T-22, SR-7: a batch refused by the store (409) leaves the agents table unchanged."""
    existing = statement()
    assert (await client.post("/xapi/statements", json=existing)).status_code == 200
    mbox = fresh_mbox()
    newcomer = statement(actor={"mbox": mbox, "name": "Ghost"})
    changed = {**existing, "verb": {"id": "http://example.org/verbs/other"}}
    response = await client.post("/xapi/statements", json=[newcomer, changed])
    assert response.status_code == 409
    assert "name" not in await get_person(client, {"mbox": mbox})


@pytest.mark.parametrize(
    "query",
    [
        "",
        "agent=not%20JSON",
        "agent=true",
        "agent=" + "%7B%22objectType%22%3A%22Agent%22%2C%22name%22%3A%22no%20ifi%22%7D",
        "agent=%7B%22objectType%22%3A%22Group%22%2C%22mbox%22%3A%22mailto%3At%40x.org%22%7D",
        "Agent=%7B%22mbox%22%3A%22mailto%3At%40x.org%22%7D",
        "agent=%7B%22mbox%22%3A%22mailto%3At%40x.org%22%7D&foo=bar",
    ],
)
async def test_bad_agent_parameter_rejected_rs7(client: httpx.AsyncClient, query: str) -> None:
    """RS-7, T-12: missing, not JSON, no IFI, a Group, mis-cased or extra params → 400."""
    response = await client.get(f"{PATH}?{query}")
    assert response.status_code == 400
    assert response.json()["message"]


async def test_head_matches_get_t20(client: httpx.AsyncClient) -> None:
    """T-20: HEAD answers like GET with an empty body."""
    head = await client.head(PATH, params=person_of({"mbox": fresh_mbox()}))
    assert head.status_code == 200
    assert head.content == b""


async def test_scopes_au3(app: FastAPI, version: str) -> None:
    """AU-3: all/read, statements/read or profile may read agents; state alone may not."""
    for scopes, status in ((("all/read",), 200), (("profile",), 200), (("state",), 403)):
        async with await credential_client(app, version, scopes=scopes) as limited:
            response = await limited.get(PATH, params=person_of({"mbox": fresh_mbox()}))
            assert response.status_code == status, scopes

"""The Activities resource through HTTP (RS-1..RS-5, CS-25, T-12, T-20)."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from tests.api.document_support import credential_client
from tests.builders import activity, statement

pytestmark = pytest.mark.asyncio
PATH = "/xapi/activities"


def unique_id() -> str:
    return f"http://example.org/act/{uuid.uuid4()}"


async def post(client: httpx.AsyncClient, *statements: dict[str, Any]) -> None:
    response = await client.post("/xapi/statements", json=list(statements))
    assert response.status_code == 200, response.text


async def get_activity(client: httpx.AsyncClient, activity_id: str) -> httpx.Response:
    return await client.get(PATH, params={"activityId": activity_id})


async def test_unknown_activity_is_still_an_activity_rs2(client: httpx.AsyncClient) -> None:
    """RS-2, X-16: an id never seen → 200 with exactly objectType and id."""
    activity_id = unique_id()
    response = await get_activity(client, activity_id)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.json() == {"objectType": "Activity", "id": activity_id}


async def test_full_definition_round_trips_rs1_rs3(client: httpx.AsyncClient) -> None:
    """RS-1, RS-3: the stored definition equals the statement's, with no extra fields."""
    obj = activity(
        str(uuid.uuid4()),
        name={"en-US": "Fire safety"},
        description={"en-US": "How not to burn"},
        type="http://adlnet.gov/expapi/activities/course",
        moreInfo="http://example.org/more",
        extensions={"http://example.org/ext": {"level": 2}},
    )
    await post(client, statement(obj=obj))
    response = await get_activity(client, obj["id"])
    assert response.status_code == 200
    assert response.json() == obj


async def test_definitions_merge_across_statements_rs4(client: httpx.AsyncClient) -> None:
    """RS-4: language maps merge key-wise; other properties take the newest value."""
    slug = str(uuid.uuid4())
    first = activity(slug, name={"en-US": "Course"}, type="http://example.org/types/a")
    second = activity(slug, name={"fr-FR": "Cours"}, type="http://example.org/types/b")
    await post(client, statement(obj=first))
    await post(client, statement(obj=second))
    definition = (await get_activity(client, first["id"])).json()["definition"]
    assert definition == {
        "name": {"en-US": "Course", "fr-FR": "Cours"},
        "type": "http://example.org/types/b",
    }


async def test_context_activity_definitions_are_kept_rs4(client: httpx.AsyncClient) -> None:
    """RS-4: a definition carried by a contextActivities parent is stored too."""
    parent = activity(str(uuid.uuid4()), name={"en-US": "Program"})
    await post(client, statement(context={"contextActivities": {"parent": [parent]}}))
    assert (await get_activity(client, parent["id"])).json() == parent


async def test_bare_object_has_no_definition_cs25(client: httpx.AsyncClient) -> None:
    """CS-25, RS-2: an activity only used without a definition → objectType and id only."""
    obj = {"objectType": "Activity", "id": unique_id()}
    await post(client, statement(obj=obj))
    assert (await get_activity(client, obj["id"])).json() == obj


async def test_ids_compared_as_plain_strings_rs5(client: httpx.AsyncClient) -> None:
    """RS-5: IRIs are stored verbatim and compared by simple string comparison."""
    odd = f"http://example.com/{uuid.uuid4()}/../x"
    await post(client, statement(obj=activity(name={"en-US": "x"}) | {"id": odd}))
    assert (await get_activity(client, odd)).json()["id"] == odd
    normalized = await get_activity(client, "http://example.com/x")
    assert "definition" not in normalized.json()


@pytest.mark.parametrize(
    "query",
    [
        "",
        "activityId=not%20an%20iri",
        "activityid=http%3A%2F%2Fexample.com%2Fa",
        "activityId=http%3A%2F%2Fexample.com%2Fa&foo=bar",
        "activityId=http%3A%2F%2Fexample.com%2Fa&activityId=http%3A%2F%2Fexample.com%2Fb",
    ],
)
async def test_bad_parameters_rejected_rs1_t12(client: httpx.AsyncClient, query: str) -> None:
    """RS-1, T-12: missing, invalid, mis-cased, extra or repeated parameters → 400."""
    response = await client.get(f"{PATH}?{query}")
    assert response.status_code == 400
    assert response.json()["message"]


async def test_head_matches_get_t20(client: httpx.AsyncClient) -> None:
    """T-20: HEAD answers like GET with an empty body."""
    head = await client.head(PATH, params={"activityId": unique_id()})
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["Content-Type"].startswith("application/json")


async def test_scopes_au3(app: FastAPI, version: str) -> None:
    """AU-3: statements/read, all/read or profile may read activities; state alone may not."""
    for scopes, status in ((("statements/read",), 200), (("profile",), 200), (("state",), 403)):
        async with await credential_client(app, version, scopes=scopes) as limited:
            response = await limited.get(PATH, params={"activityId": unique_id()})
            assert response.status_code == status, scopes

"""The Agent Profile resource through HTTP (D-1..D-14, D-40, T-12, T-15, T-20, X-11)."""

from __future__ import annotations

import uuid

import httpx
import orjson
import pytest
from fastapi import FastAPI

from tests.api.document_support import (
    AGENT_PROFILE,
    ETAG,
    HTTP_DATE,
    agent_json,
    agent_profile_params,
    create,
    credential_client,
    document,
    sha1_etag,
    without,
)

pytestmark = pytest.mark.asyncio
PATH = AGENT_PROFILE


async def test_create_and_get_d1_d2_t15(client: httpx.AsyncClient) -> None:
    """D-1, D-2, T-15, T-17: a profile of a never-seen agent, with ETag and Last-Modified."""
    params = agent_profile_params(agent=agent_json(str(uuid.uuid4())))
    body = document()
    await create(client, PATH, params, body)
    got = await client.get(PATH, params=params)
    assert got.json() == body
    assert ETAG.match(got.headers["ETag"])
    assert got.headers["ETag"] == sha1_etag(got.content)
    assert HTTP_DATE.match(got.headers["Last-Modified"])


async def test_put_without_preconditions_d12(client: httpx.AsyncClient, version: str) -> None:
    """D-12: missing → 400 for 1.0.x, 204 for 2.0; existing → 409 with no change."""
    params = agent_profile_params()
    response = await client.put(PATH, params=params, json={"v": 1})
    assert response.status_code == (204 if version.startswith("2.") else 400)
    await client.post(PATH, params=params, json={"v": 1})
    conflict = await client.put(PATH, params=params, json={"v": 2})
    assert conflict.status_code == 409
    assert conflict.json()["message"]
    assert (await client.get(PATH, params=params)).json() == {"v": 1}


async def test_preconditions_d10_d13(client: httpx.AsyncClient) -> None:
    """D-10, D-13: a 40-hex tag that is not current → 412 on PUT, POST and DELETE."""
    params = agent_profile_params()
    etag = await create(client, PATH, params, {"v": 1})
    wrong = {"If-Match": '"' + "1" * 40 + '"'}
    for method in ("PUT", "POST", "DELETE"):
        response = await client.request(method, PATH, params=params, json={"x": 1}, headers=wrong)
        assert response.status_code == 412, method
    assert (await client.get(PATH, params=params)).json() == {"v": 1}
    weak = await client.post(PATH, params=params, json={"w": 2}, headers={"If-Match": f"W/{etag}"})
    assert weak.status_code == 204
    assert (await client.get(PATH, params=params)).json() == {"v": 1, "w": 2}


async def test_documents_keyed_by_agent_ifi_d8(client: httpx.AsyncClient) -> None:
    """D-8: the agent's name and objectType do not change which document is addressed."""
    named = agent_json("ifi-test", name="Rick James")
    bare = orjson.dumps(
        {"account": {"homePage": "http://www.example.com/agentId/1", "name": "ifi-test"}}
    ).decode()
    params = agent_profile_params(agent=named)
    await client.post(PATH, params=params, json={"v": 1})
    assert (await client.get(PATH, params={**params, "agent": bare})).json() == {"v": 1}


@pytest.mark.parametrize("method", ["GET", "PUT", "POST", "DELETE"])
async def test_agent_required_d40(client: httpx.AsyncClient, method: str) -> None:
    """D-40: the agent parameter is required by every method → 400."""
    params = without(agent_profile_params(), "agent")
    response = await client.request(method, PATH, params=params, json={})
    assert response.status_code == 400


@pytest.mark.parametrize("method", ["PUT", "POST", "DELETE"])
async def test_profile_id_required_for_writes_d40(client: httpx.AsyncClient, method: str) -> None:
    """D-40: profileId is required by PUT, POST and DELETE → 400."""
    params = without(agent_profile_params(), "profileId")
    response = await client.request(method, PATH, params=params, json={})
    assert response.status_code == 400


@pytest.mark.parametrize(
    "agent",
    [
        "not JSON",
        "true",
        '{"objectType":"Agent","name":"no ifi"}',
        '{"objectType":"Group","mbox":"mailto:team@example.com"}',
    ],
)
async def test_invalid_agent_rejected_d7_d40(client: httpx.AsyncClient, agent: str) -> None:
    """D-7, D-40: an agent that is not JSON, has no IFI, or is a Group (both versions) → 400."""
    params = agent_profile_params(agent=agent)
    for method in ("GET", "PUT", "POST", "DELETE"):
        response = await client.request(method, PATH, params=params, json={})
        assert response.status_code == 400, method


@pytest.mark.parametrize("extra", [{"activityId": "http://example.com/a"}, {"Agent": "x"}])
async def test_unknown_parameters_rejected_t12(
    client: httpx.AsyncClient, extra: dict[str, str]
) -> None:
    """T-12: parameters this resource does not take, or mis-cased ones → 400."""
    response = await client.get(PATH, params={**agent_profile_params(), **extra})
    assert response.status_code == 400


async def test_id_list_d40(client: httpx.AsyncClient) -> None:
    """D-40: GET without profileId lists the agent's profile ids, with ETag (T-15)."""
    agent = agent_json(str(uuid.uuid4()))
    for profile_id in ("b", "a"):
        await client.post(PATH, params={"agent": agent, "profileId": profile_id}, json={})
    listed = await client.get(PATH, params={"agent": agent})
    assert listed.json() == ["a", "b"]
    assert listed.headers["ETag"] == sha1_etag(listed.content)
    head = await client.head(PATH, params={"agent": agent})
    assert head.content == b""
    assert head.headers["ETag"] == listed.headers["ETag"]


async def test_scopes_au3(app: FastAPI, version: str) -> None:
    """AU-3: `all/read` reads but cannot write; `profile` writes."""
    params = agent_profile_params()
    async with await credential_client(app, version, scopes=("profile",)) as writer:
        assert (await writer.post(PATH, params=params, json={"a": 1})).status_code == 204
    async with await credential_client(app, version, scopes=("all/read",)) as reader:
        assert (await reader.get(PATH, params=params)).status_code == 200
        assert (await reader.post(PATH, params=params, json={})).status_code == 403

"""The Activity Profile resource through HTTP (D-1..D-14, D-30, D-50, T-12, T-15, T-20, X-11)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from fastapi import FastAPI

from tests.api.document_support import (
    ACTIVITY_PROFILE,
    ETAG,
    HTTP_DATE,
    activity_profile_params,
    agent_json,
    create,
    credential_client,
    document,
    sha1_etag,
    without,
)

pytestmark = pytest.mark.asyncio
PATH = ACTIVITY_PROFILE


async def test_create_and_get_d1_d2_t15(client: httpx.AsyncClient) -> None:
    """D-1, D-2, T-15, T-17: a profile of a never-seen activity; GET has ETag and Last-Modified."""
    params = activity_profile_params(activityId=f"http://example.com/{uuid.uuid4()}")
    body = document()
    await create(client, PATH, params, body)
    got = await client.get(PATH, params=params)
    assert got.json() == body
    assert got.headers["Content-Type"] == "application/json"
    assert ETAG.match(got.headers["ETag"])
    assert got.headers["ETag"] == sha1_etag(got.content)
    assert HTTP_DATE.match(got.headers["Last-Modified"])
    assert (await client.get(PATH, params=activity_profile_params())).status_code == 404


async def test_put_without_preconditions_on_missing_profile_d12(
    client: httpx.AsyncClient, version: str
) -> None:
    """D-12, X-11: 1.0.x → 400 and nothing stored; 2.0 → 204 create."""
    params = activity_profile_params()
    response = await client.put(PATH, params=params, json={"v": 1})
    stored = await client.get(PATH, params=params)
    if version.startswith("2."):
        assert response.status_code == 204
        assert stored.json() == {"v": 1}
    else:
        assert response.status_code == 400
        assert response.json()["message"]
        assert stored.status_code == 404


async def test_put_without_preconditions_on_existing_profile_d12(
    client: httpx.AsyncClient,
) -> None:
    """D-12: PUT with neither header on an existing profile → 409 with a message, no change."""
    params = activity_profile_params()
    body = document()
    await client.post(PATH, params=params, json=body)
    for _ in range(2):
        response = await client.put(PATH, params=params, json=document())
        assert response.status_code == 409
        assert response.text
    assert (await client.get(PATH, params=params)).json() == body


async def test_preconditions_d10_d11_d13(client: httpx.AsyncClient) -> None:
    """D-10, D-11, D-13: wrong tag → 412 on PUT, POST, DELETE; right tag → 204."""
    params = activity_profile_params()
    etag = await create(client, PATH, params, {"v": 1})
    wrong = {"If-Match": "1234"}
    for method in ("PUT", "POST", "DELETE"):
        response = await client.request(method, PATH, params=params, json={"x": 1}, headers=wrong)
        assert response.status_code == 412, method
    again = await client.put(PATH, params=params, json={"v": 2}, headers={"If-None-Match": "*"})
    assert again.status_code == 412
    assert (await client.get(PATH, params=params)).json() == {"v": 1}
    right = await client.put(PATH, params=params, json={"v": 3}, headers={"If-Match": etag})
    assert right.status_code == 204
    assert (await client.get(PATH, params=params)).json() == {"v": 3}


async def test_post_merge_and_rejections_d4_d5_d6(client: httpx.AsyncClient) -> None:
    """D-6 creates, D-4 merges shallowly, D-5 rejects a non-JSON body with no change."""
    params = activity_profile_params()
    assert (await client.post(PATH, params=params, json={"car": "Honda"})).status_code == 204
    assert (await client.post(PATH, params=params, json={"type": "Civic"})).status_code == 204
    assert (await client.get(PATH, params=params)).json() == {"car": "Honda", "type": "Civic"}
    bad = await client.post(
        PATH, params=params, content=b"abc", headers={"Content-Type": "application/octet-stream"}
    )
    assert bad.status_code == 400
    assert (await client.get(PATH, params=params)).json() == {"car": "Honda", "type": "Civic"}


@pytest.mark.parametrize("method", ["GET", "PUT", "POST", "DELETE"])
async def test_activity_id_required_d30(client: httpx.AsyncClient, method: str) -> None:
    """D-30: activityId is required by every method → 400."""
    params = without(activity_profile_params(), "activityId")
    response = await client.request(method, PATH, params=params, json={"a": 1})
    assert response.status_code == 400


@pytest.mark.parametrize("method", ["PUT", "POST", "DELETE"])
async def test_profile_id_required_for_writes_d30(client: httpx.AsyncClient, method: str) -> None:
    """D-30: profileId is required by PUT, POST and DELETE (no delete-all here) → 400."""
    await client.post(PATH, params=activity_profile_params(profileId="kept"), json={})
    params = without(activity_profile_params(), "profileId")
    response = await client.request(method, PATH, params=params, json={"a": 1})
    assert response.status_code == 400
    listed = await client.get(PATH, params=params)
    assert "kept" in listed.json()


@pytest.mark.parametrize(
    "override",
    [
        {"activityId": "not an iri"},
        {"agent": agent_json()},
        {"registration": str(uuid.uuid4())},
        {"stateId": "x"},
        {"ProfileId": "x"},
        {"profileId": ""},
    ],
)
async def test_bad_parameters_rejected_d7_t12(
    client: httpx.AsyncClient, override: dict[str, str]
) -> None:
    """D-7, T-12: a bad activityId, or a parameter this resource does not take → 400."""
    params = {**activity_profile_params(), **override}
    for method in ("GET", "PUT", "POST", "DELETE"):
        response = await client.request(
            method, PATH, params=params, json={}, headers={"If-None-Match": "*"}
        )
        assert response.status_code == 400, method


async def test_id_list_and_since_d9_d30(client: httpx.AsyncClient) -> None:
    """D-30, D-9: GET without profileId lists ids updated after `since`, with ETag (T-15)."""
    activity = f"http://example.com/{uuid.uuid4()}"
    for profile_id in ("p2", "p1"):
        await client.post(PATH, params={"activityId": activity, "profileId": profile_id}, json={})
    minute_ago = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    listed = await client.get(PATH, params={"activityId": activity, "since": minute_ago})
    assert listed.json() == ["p1", "p2"]
    assert listed.headers["ETag"] == sha1_etag(listed.content)
    later = (datetime.now(UTC) + timedelta(minutes=1)).isoformat()
    assert (await client.get(PATH, params={"activityId": activity, "since": later})).json() == []
    bad = await client.get(PATH, params={"activityId": activity, "since": "true"})
    assert bad.status_code == 400


async def test_delete_d30(client: httpx.AsyncClient) -> None:
    """D-30: DELETE with profileId removes the document (204, also when absent)."""
    params = activity_profile_params()
    await client.post(PATH, params=params, json={})
    assert (await client.delete(PATH, params=params)).status_code == 204
    assert (await client.delete(PATH, params=params)).status_code == 204
    assert (await client.get(PATH, params=params)).status_code == 404


async def test_head_matches_get_t20(client: httpx.AsyncClient) -> None:
    """T-20: HEAD of a profile and of the id list: GET's headers, no body."""
    params = activity_profile_params()
    await client.post(PATH, params=params, json={"a": 1})
    for query in (params, without(params, "profileId")):
        got = await client.get(PATH, params=query)
        head = await client.head(PATH, params=query)
        assert head.status_code == 200
        assert head.content == b""
        assert head.headers["ETag"] == got.headers["ETag"]
        assert head.headers["Last-Modified"] == got.headers["Last-Modified"]


async def test_scopes_au3(app: FastAPI, version: str) -> None:
    """AU-3: `profile` reads and writes; `state` alone is refused (403)."""
    params = activity_profile_params()
    async with await credential_client(app, version, scopes=("profile",)) as writer:
        assert (await writer.post(PATH, params=params, json={})).status_code == 204
    async with await credential_client(app, version, scopes=("state",)) as other:
        assert (await other.get(PATH, params=params)).status_code == 403
        assert (await other.delete(PATH, params=params)).status_code == 403

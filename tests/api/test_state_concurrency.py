"""State concurrency through HTTP: ETags, preconditions, conflicts, a content session.

D-10..D-14, D-50, T-15..T-17.
"""

from __future__ import annotations

import asyncio
import uuid
from email.utils import parsedate_to_datetime

import httpx
import pytest

from tests.api.document_support import STATE, agent_json, create, state_params, without

pytestmark = pytest.mark.asyncio


async def test_put_without_preconditions_on_existing_state_d12(
    client: httpx.AsyncClient, version: str
) -> None:
    """D-12, X-10: 2.0 → 409 with a message and no change; 1.0.x → 204 overwrite."""
    params = state_params()
    await client.post(STATE, params=params, json={"v": 1})
    response = await client.put(STATE, params=params, json={"v": 2})
    got = (await client.get(STATE, params=params)).json()
    if version.startswith("2."):
        assert response.status_code == 409
        assert "If-Match" in response.json()["message"]
        assert got == {"v": 1}
    else:
        assert response.status_code == 204
        assert got == {"v": 2}


async def test_put_without_preconditions_on_missing_state_creates_d12(
    client: httpx.AsyncClient,
) -> None:
    """D-12: State PUT with no headers on a missing document → 204 create in both versions."""
    params = state_params()
    assert (await client.put(STATE, params=params, json={"v": 1})).status_code == 204
    assert (await client.get(STATE, params=params)).json() == {"v": 1}


async def test_put_if_match_d10(client: httpx.AsyncClient) -> None:
    """D-10: the current ETag lets a PUT through; a wrong one (1234) is 412 with no change."""
    params = state_params()
    etag = await create(client, STATE, params, {"v": 1})
    wrong = await client.put(STATE, params=params, json={"v": 2}, headers={"If-Match": "1234"})
    assert wrong.status_code == 412
    assert (await client.get(STATE, params=params)).json() == {"v": 1}
    right = await client.put(STATE, params=params, json={"v": 3}, headers={"If-Match": etag})
    assert right.status_code == 204
    assert (await client.get(STATE, params=params)).json() == {"v": 3}
    star = await client.put(STATE, params=params, json={"v": 4}, headers={"If-Match": "*"})
    assert star.status_code == 204


async def test_if_match_on_missing_document_fails_d14(client: httpx.AsyncClient) -> None:
    """D-14: If-Match on a missing document → 412 for PUT, POST and DELETE; nothing created."""
    params = state_params()
    for method in ("PUT", "POST", "DELETE"):
        response = await client.request(
            method, STATE, params=params, json={"v": 1}, headers={"If-Match": "*"}
        )
        assert response.status_code == 412, method
    assert (await client.get(STATE, params=params)).status_code == 404


async def test_put_if_none_match_d11(client: httpx.AsyncClient) -> None:
    """D-11: If-None-Match: * creates only; on an existing document (or its tag) → 412."""
    params = state_params()
    etag = await create(client, STATE, params, {"v": 1})
    for value in ("*", etag):
        again = await client.put(
            STATE, params=params, json={"v": 2}, headers={"If-None-Match": value}
        )
        assert again.status_code == 412
    other = await client.put(
        STATE, params=params, json={"v": 3}, headers={"If-None-Match": '"other"'}
    )
    assert other.status_code == 204


async def test_post_and_delete_honour_preconditions_d13(client: httpx.AsyncClient) -> None:
    """D-13: wrong If-Match on POST/DELETE → 412, no change; right tag → 204."""
    params = state_params()
    etag = await create(client, STATE, params, {"v": 1})
    bad = {"If-Match": '"1234"'}
    assert (await client.post(STATE, params=params, json={"w": 1}, headers=bad)).status_code == 412
    assert (await client.delete(STATE, params=params, headers=bad)).status_code == 412
    none_match = {"If-None-Match": "*"}
    post = await client.post(STATE, params=params, json={"w": 1}, headers=none_match)
    assert post.status_code == 412
    assert (await client.get(STATE, params=params)).json() == {"v": 1}
    merged = await client.post(STATE, params=params, json={"w": 1}, headers={"If-Match": etag})
    assert merged.status_code == 204
    new_etag = (await client.get(STATE, params=params)).headers["ETag"]
    deleted = await client.delete(STATE, params=params, headers={"If-Match": new_etag})
    assert deleted.status_code == 204
    assert (await client.get(STATE, params=params)).status_code == 404


async def test_delete_all_preconditions_use_the_list_etag_d13(client: httpx.AsyncClient) -> None:
    """D-13, D-23: If-Match on a delete-all compares with the id list's ETag."""
    agent = agent_json(str(uuid.uuid4()))
    await client.post(STATE, params=state_params(agent=agent, stateId="x"), json={})
    scope = without(state_params(agent=agent), "stateId")
    stale = await client.delete(STATE, params=scope, headers={"If-Match": '"1234"'})
    assert stale.status_code == 412
    listing = await client.get(STATE, params=scope)
    assert listing.json() == ["x"]
    fresh = await client.delete(STATE, params=scope, headers={"If-Match": listing.headers["ETag"]})
    assert fresh.status_code == 204
    assert (await client.get(STATE, params=scope)).json() == []


async def test_last_modified_moves_forward_d50(client: httpx.AsyncClient) -> None:
    """D-50, T-17: an update a second later carries a strictly later Last-Modified."""
    params = state_params()
    await client.post(STATE, params=params, json={"v": 1})
    first = await client.get(STATE, params=params)
    before = parsedate_to_datetime(first.headers["Last-Modified"])
    await asyncio.sleep(1.05)
    await client.post(STATE, params=params, json={"v": 2})
    after_response = await client.get(STATE, params=params)
    after = parsedate_to_datetime(after_response.headers["Last-Modified"])
    assert after > before
    listed = await client.get(STATE, params=without(params, "stateId"))
    assert parsedate_to_datetime(listed.headers["Last-Modified"]) == after


async def test_content_session_with_two_writers_d4_d10_d13(client: httpx.AsyncClient) -> None:
    """A launch: POST merges across requests, a relaunch reads them, then two tabs race.

    D-4 merges each save; D-10/D-13: two writers holding the same ETag race and exactly one
    loses with 412; it re-reads and succeeds with the fresh ETag (no lost update).
    """
    learner = agent_json(f"learner-{uuid.uuid4()}")
    launch = {
        "activityId": "http://courses.example.com/safety-101",
        "agent": learner,
        "registration": str(uuid.uuid4()),
    }
    suspend = {**launch, "stateId": "suspend_data"}
    saves = [
        {"page": 1, "answers": {"q1": "a"}},
        {"page": 2},
        {"answers": {"q1": "a", "q2": "c"}, "score": 0.5},
        {"page": 3, "completed": False},
    ]
    for save in saves:
        response = await client.post(STATE, params=suspend, json=save)
        assert response.status_code == 204
    await client.post(STATE, params={**launch, "stateId": "bookmark"}, json={"at": "3.2"})

    relaunch = await client.get(STATE, params=suspend)
    assert relaunch.json() == {
        "page": 3,
        "answers": {"q1": "a", "q2": "c"},
        "score": 0.5,
        "completed": False,
    }
    assert (await client.get(STATE, params=launch)).json() == ["bookmark", "suspend_data"]

    etag = relaunch.headers["ETag"]
    first, second = await asyncio.gather(
        client.post(STATE, params=suspend, json={"tab": "A"}, headers={"If-Match": etag}),
        client.post(STATE, params=suspend, json={"tab": "B"}, headers={"If-Match": etag}),
    )
    assert sorted([first.status_code, second.status_code]) == [204, 412]
    winner = "A" if first.status_code == 204 else "B"
    loser = "B" if winner == "A" else "A"
    current = await client.get(STATE, params=suspend)
    assert current.json()["tab"] == winner
    retry = await client.post(
        STATE, params=suspend, json={"tab": loser}, headers={"If-Match": current.headers["ETag"]}
    )
    assert retry.status_code == 204
    final = (await client.get(STATE, params=suspend)).json()
    assert final["tab"] == loser
    assert final["page"] == 3

    finished = await client.delete(STATE, params=launch)
    assert finished.status_code == 204
    assert (await client.get(STATE, params=launch)).json() == []

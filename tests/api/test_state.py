"""The State resource through HTTP (D-1..D-23, D-50, T-12, T-15..T-17, T-20, T-22, X-24)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import httpx
import orjson
import pytest

from tests.api.document_support import (
    ETAG,
    HTTP_DATE,
    STATE,
    agent_json,
    document,
    sha1_etag,
    state_params,
    without,
)

pytestmark = pytest.mark.asyncio
ACTIVITY = "http%3A%2F%2Fwww.example.com%2FactivityId%2Fhashset"  # percent-encoded


async def test_post_to_missing_then_get_d1_d2_d6(client: httpx.AsyncClient) -> None:
    """D-2, D-6, D-1, T-15, T-17: a never-seen agent/activity; GET returns it with headers."""
    params = state_params(activityId=f"http://example.com/new/{uuid.uuid4()}")
    body = orjson.dumps(document())
    posted = await client.post(
        STATE, params=params, content=body, headers={"Content-Type": "application/json"}
    )
    assert posted.status_code == 204
    assert posted.content == b""
    got = await client.get(STATE, params=params)
    assert got.status_code == 200
    assert got.content == body
    assert got.headers["Content-Type"] == "application/json"
    assert ETAG.match(got.headers["ETag"])
    assert got.headers["ETag"] == sha1_etag(body)
    assert HTTP_DATE.match(got.headers["Last-Modified"])


async def test_any_content_type_round_trips_byte_for_byte_d1(client: httpx.AsyncClient) -> None:
    """D-1, T-7: opaque bytes and their Content-Type come back exactly."""
    params = state_params()
    body = bytes(range(256))
    put = await client.put(
        STATE, params=params, content=body, headers={"Content-Type": "image/x-custom; q=1"}
    )
    assert put.status_code == 204
    got = await client.get(STATE, params=params)
    assert got.content == body
    assert got.headers["Content-Type"] == "image/x-custom; q=1"
    assert got.headers["ETag"] == sha1_etag(body)


async def test_missing_document_is_404_d3(client: httpx.AsyncClient) -> None:
    """D-3: a single GET of a document that does not exist → 404 with a message."""
    response = await client.get(STATE, params=state_params())
    assert response.status_code == 404
    assert response.json()["message"]


async def test_post_merges_shallowly_d4(client: httpx.AsyncClient) -> None:
    """D-4: top-level keys replaced or added, nested objects replaced whole; ETag changes."""
    params = state_params()
    first = await client.post(STATE, params=params, json={"car": "Honda", "n": {"a": 1}})
    assert first.status_code == 204
    before = (await client.get(STATE, params=params)).headers["ETag"]
    second = await client.post(STATE, params=params, json={"type": "Civic", "n": {"b": 2}})
    assert second.status_code == 204
    got = await client.get(STATE, params=params)
    assert got.json() == {"car": "Honda", "n": {"b": 2}, "type": "Civic"}
    assert got.headers["ETag"] != before
    assert got.headers["ETag"] == sha1_etag(got.content)


@pytest.mark.parametrize(
    ("first_type", "first_body", "second_type", "second_body"),
    [
        ("application/json", b'{"a":1}', "not/json", b"abcdefg"),
        ("application/json", b'{"a":1}', "application/x-www-form-urlencoded", b"abc"),
        ("application/json", b'{"a":1}', "application/json", b'{"b":2}{'),
        ("application/json", b'{"a":1}', "application/json", b"[1, 2]"),
        ("application/octet-stream", b"/ asdf / undefined", "application/json", b'{"b":2}'),
        ("application/json", b"[1]", "application/json", b'{"b":2}'),
    ],
)
async def test_post_merge_rejected_and_nothing_changes_d5(
    client: httpx.AsyncClient,
    first_type: str,
    first_body: bytes,
    second_type: str,
    second_body: bytes,
) -> None:
    """D-5, T-22: either side not a JSON object → 400 and the stored document is unchanged."""
    params = state_params()
    first = await client.put(
        STATE, params=params, content=first_body, headers={"Content-Type": first_type}
    )
    assert first.status_code == 204
    second = await client.post(
        STATE, params=params, content=second_body, headers={"Content-Type": second_type}
    )
    assert second.status_code == 400
    assert second.json()["message"]
    got = await client.get(STATE, params=params)
    assert got.content == first_body
    assert got.headers["Content-Type"] == first_type


async def test_post_invalid_json_to_missing_document_rejected_d6(
    client: httpx.AsyncClient,
) -> None:
    """D-6 [ADVICE]: a body declared JSON that does not parse is a 400, nothing stored."""
    params = state_params()
    response = await client.post(
        STATE, params=params, content=b'{"a":1}{', headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert (await client.get(STATE, params=params)).status_code == 404


@pytest.mark.parametrize("method", ["GET", "PUT", "POST", "DELETE"])
@pytest.mark.parametrize("missing", ["activityId", "agent"])
async def test_missing_required_parameter_d7_d22(
    client: httpx.AsyncClient, method: str, missing: str
) -> None:
    """D-7, D-22: activityId and agent are required by every method → 400."""
    params = without(state_params(), missing)
    response = await client.request(method, STATE, params=params, json={"a": 1})
    assert response.status_code == 400


@pytest.mark.parametrize("method", ["PUT", "POST"])
async def test_put_post_need_state_id_d22(client: httpx.AsyncClient, method: str) -> None:
    """D-22: PUT and POST without stateId → 400."""
    response = await client.request(
        method, STATE, params=without(state_params(), "stateId"), json={"a": 1}
    )
    assert response.status_code == 400


@pytest.mark.parametrize(
    "override",
    [
        {"agent": "not JSON"},
        {"agent": "true"},
        {"agent": '{"objectType":"Agent"}'},
        {"agent": '{"mbox":"mailto:a@example.com","openid":"http://a.example.com"}'},
        {"registration": "true"},
        {"registration": "not-a-uuid"},
        {"activityId": "not an iri"},
        {"stateId": ""},
        {"foo": "bar"},
        {"StateId": "x"},
        {"Agent": agent_json()},
    ],
)
@pytest.mark.parametrize("method", ["GET", "PUT", "POST", "DELETE"])
async def test_bad_parameters_rejected_d7_t12(
    client: httpx.AsyncClient, method: str, override: dict[str, str]
) -> None:
    """D-7, T-12, T-22: malformed, unknown or mis-cased parameters → 400, nothing stored."""
    params = {**state_params(), **override}
    response = await client.request(method, STATE, params=params, json={"a": 1})
    assert response.status_code == 400
    assert response.json()["message"]
    listing = await client.get(STATE, params=without(state_params(), "stateId"))
    assert params.get("stateId") not in listing.json()


async def test_broken_agent_percent_encoding_rejected_d7(client: httpx.AsyncClient) -> None:
    """D-7, T-11: an agent whose encoding was broken (suite XAPI-00235) → 400."""
    query = (
        f"activityId={ACTIVITY}&stateId={uuid.uuid4()}&agent="
        "%7B%22objectType%22%22%22Agent%22%2C%22mbox%22%3A%22mailto%3Aa%40b.com%22%7D"
    )
    response = await client.post(f"{STATE}?{query}", json={"a": 1})
    assert response.status_code == 400


async def test_duplicate_parameters_rejected_t12(client: httpx.AsyncClient) -> None:
    """T-12: a repeated parameter is ambiguous → 400."""
    query = f"activityId={ACTIVITY}&activityId={ACTIVITY}&stateId=x&agent={agent_json()}"
    response = await client.put(f"{STATE}?{query}", json={"a": 1})
    assert response.status_code == 400


async def test_since_on_get_only_d20(client: httpx.AsyncClient) -> None:
    """D-20: `since` belongs to the id-list GET; a malformed one is a 400 (D-7)."""
    params = without(state_params(), "stateId")
    bad = await client.get(STATE, params={**params, "since": "not a timestamp"})
    assert bad.status_code == 400
    put = await client.put(STATE, params={**state_params(), "since": "2024-01-01T00:00:00Z"})
    assert put.status_code == 400


async def test_documents_keyed_by_agent_ifi_d8(client: httpx.AsyncClient) -> None:
    """D-8: the same agent with or without a name addresses the same document."""
    mbox = {"mbox": "mailto:Someone@Example.COM", "objectType": "Agent"}
    first = state_params(agent=orjson.dumps({**mbox, "name": "Someone"}).decode())
    await client.put(STATE, params=first, json={"a": 1})
    again = {**first, "agent": orjson.dumps({"mbox": "mailto:Someone@example.com"}).decode()}
    got = await client.get(STATE, params=again)
    assert got.status_code == 200
    assert got.json() == {"a": 1}
    other = {**first, "agent": orjson.dumps({"mbox": "mailto:someone@example.com"}).decode()}
    assert (await client.get(STATE, params=other)).status_code == 404


async def test_registration_is_part_of_the_key_d21_d22(client: httpx.AsyncClient) -> None:
    """D-21, D-22: registration separates documents; lists without it span registrations."""
    agent = agent_json(str(uuid.uuid4()))
    registration = str(uuid.uuid4())
    plain = state_params(agent=agent, stateId="bookmark")
    registered = {**plain, "registration": registration.upper()}
    await client.put(STATE, params=plain, json={"where": "none"})
    await client.put(STATE, params=registered, json={"where": "registered"})
    await client.put(STATE, params={**registered, "stateId": "suspend"}, json={"x": 1})
    lowered = {**plain, "registration": registration}
    assert (await client.get(STATE, params=lowered)).json() == {"where": "registered"}
    assert (await client.get(STATE, params=plain)).json() == {"where": "none"}
    every = await client.get(STATE, params=without(plain, "stateId"))
    assert every.json() == ["bookmark", "suspend"]
    one = await client.get(STATE, params=without(lowered, "stateId"))
    assert one.json() == ["bookmark", "suspend"]
    other = {**without(plain, "stateId"), "registration": str(uuid.uuid4())}
    assert (await client.get(STATE, params=other)).json() == []


async def test_id_list_with_since_d9_d22(client: httpx.AsyncClient) -> None:
    """D-9, D-22: ids updated strictly after `since`; an array, with ETag and Last-Modified."""
    agent = agent_json(str(uuid.uuid4()))
    ids = ["s1", "s2"]
    for state_id in ids:
        await client.post(STATE, params=state_params(agent=agent, stateId=state_id), json={})
    scope = without(state_params(agent=agent), "stateId")
    minute_ago = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    listed = await client.get(STATE, params={**scope, "since": minute_ago})
    assert listed.status_code == 200
    assert listed.json() == ids
    assert listed.headers["ETag"] == sha1_etag(listed.content)
    assert HTTP_DATE.match(listed.headers["Last-Modified"])
    later = (datetime.now(UTC) + timedelta(minutes=1)).isoformat()
    empty = await client.get(STATE, params={**scope, "since": later})
    assert empty.json() == []
    assert "Last-Modified" not in empty.headers


async def test_delete_one_and_all_d23(client: httpx.AsyncClient) -> None:
    """D-23: DELETE with stateId removes one (204 even if absent); without, the whole scope."""
    agent = agent_json(str(uuid.uuid4()))
    registration = str(uuid.uuid4())
    for state_id in ("a", "b", "c"):
        await client.post(STATE, params=state_params(agent=agent, stateId=state_id), json={})
    kept = state_params(agent=agent, stateId="r", registration=registration)
    await client.post(STATE, params=kept, json={})
    scope = without(state_params(agent=agent), "stateId")
    one = await client.delete(STATE, params=state_params(agent=agent, stateId="a"))
    assert one.status_code == 204
    absent = await client.delete(STATE, params=state_params(agent=agent, stateId="a"))
    assert absent.status_code == 204
    assert (await client.get(STATE, params=scope)).json() == ["b", "c", "r"]
    registered = await client.delete(STATE, params={**scope, "registration": registration})
    assert registered.status_code == 204
    assert (await client.get(STATE, params=scope)).json() == ["b", "c"]
    everything = await client.delete(STATE, params=scope)
    assert everything.status_code == 204
    assert (await client.get(STATE, params=scope)).json() == []


async def test_head_matches_get_t20(client: httpx.AsyncClient) -> None:
    """T-20: HEAD answers like GET (status, ETag, Last-Modified, Content-Type), empty body."""
    params = state_params()
    await client.post(STATE, params=params, json={"v": 1})
    for query in (params, without(params, "stateId")):
        got = await client.get(STATE, params=query)
        head = await client.head(STATE, params=query)
        assert head.status_code == got.status_code == 200
        assert head.content == b""
        for name in ("ETag", "Last-Modified", "Content-Type"):
            assert head.headers[name] == got.headers[name]
    assert (await client.head(STATE, params=state_params())).status_code == 404


async def test_identified_group_agent_only_in_2_0_x24(
    client: httpx.AsyncClient, version: str
) -> None:
    """X-24: 2.0 accepts an identified Group as the State agent; 1.0.x rejects it (D-7)."""
    group = {"objectType": "Group", "name": "Team", "mbox": "mailto:team@example.com"}
    params = state_params(agent=orjson.dumps(group).decode())
    response = await client.put(STATE, params=params, json={"v": 1})
    assert response.status_code == (204 if version.startswith("2.") else 400)
    anonymous = {"objectType": "Group", "member": [{"mbox": "mailto:a@example.com"}]}
    rejected = await client.put(
        STATE, params=state_params(agent=orjson.dumps(anonymous).decode()), json={}
    )
    assert rejected.status_code == 400

"""PUT and POST statements through HTTP (SR-1..SR-16, V-46..V-48, T-5, T-22)."""

from __future__ import annotations

import asyncio
import re
import uuid

import httpx
import pytest

from tests.builders import activity, agent, statement

pytestmark = pytest.mark.asyncio
MS_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")


async def get_statement(client: httpx.AsyncClient, statement_id: str) -> httpx.Response:
    return await client.get("/xapi/statements", params={"statementId": statement_id})


async def test_sr1_put_stores_and_get_returns(client: httpx.AsyncClient, version: str) -> None:
    """SR-1, SR-16: PUT → 204 empty; GET returns actor/verb/object unchanged."""
    stmt = statement(with_id=False)
    sid = str(uuid.uuid4())
    response = await client.put("/xapi/statements", params={"statementId": sid}, json=stmt)
    assert response.status_code == 204
    assert response.content == b""
    assert "X-Experience-API-Consistent-Through" in response.headers
    got = (await get_statement(client, sid)).json()
    assert got["id"] == sid
    for key in ("actor", "verb", "object"):
        assert got[key] == stmt[key]


async def test_sr1_put_without_statement_id_rejected(client: httpx.AsyncClient) -> None:
    """SR-1: PUT without statementId → 400."""
    response = await client.put("/xapi/statements", json=statement())
    assert response.status_code == 400


async def test_sr1_put_with_extra_parameter_rejected(client: httpx.AsyncClient) -> None:
    """SR-1, T-12: PUT with a parameter besides statementId → 400."""
    sid = str(uuid.uuid4())
    response = await client.put(
        "/xapi/statements", params={"statementId": sid, "foo": "bar"}, json=statement()
    )
    assert response.status_code == 400


async def test_sr1_put_body_id_mismatch_rejected(client: httpx.AsyncClient) -> None:
    """SR-1: a body id different from statementId → 400, nothing stored."""
    stmt = statement()
    other = str(uuid.uuid4())
    response = await client.put("/xapi/statements", params={"statementId": other}, json=stmt)
    assert response.status_code == 400
    assert (await get_statement(client, other)).status_code == 404
    assert (await get_statement(client, stmt["id"])).status_code == 404


async def test_sr2_post_returns_ids_in_order(client: httpx.AsyncClient) -> None:
    """SR-2, SR-3: POST a batch → 200 with ids in order, generated where absent."""
    batch = [statement(), statement(with_id=False), statement()]
    response = await client.post("/xapi/statements", json=batch)
    assert response.status_code == 200
    ids = response.json()
    assert len(ids) == 3
    assert ids[0] == batch[0]["id"]
    assert ids[2] == batch[2]["id"]
    uuid.UUID(ids[1])
    assert (await get_statement(client, ids[1])).status_code == 200


async def test_sr2_post_single_object(client: httpx.AsyncClient) -> None:
    """SR-2: POST one statement object → 200 with a one-element array."""
    stmt = statement()
    response = await client.post("/xapi/statements", json=stmt)
    assert response.status_code == 200
    assert response.json() == [stmt["id"]]


async def test_sr2_post_with_parameters_rejected(client: httpx.AsyncClient) -> None:
    """SR-2, T-12: POST statements takes no query parameters."""
    response = await client.post("/xapi/statements?statementId=x", json=statement())
    assert response.status_code == 400


async def test_v48_empty_batch(client: httpx.AsyncClient) -> None:
    """V-48: an empty array POST → 200 []."""
    response = await client.post("/xapi/statements", json=[])
    assert response.status_code == 200
    assert response.json() == []


async def test_v46_batch_all_or_nothing(client: httpx.AsyncClient) -> None:
    """V-46, T-22: one invalid statement rejects the batch; the valid ones are not stored."""
    good = statement()
    bad = statement()
    bad["actor"] = {"name": "no ifi"}
    response = await client.post("/xapi/statements", json=[good, bad])
    assert response.status_code == 400
    assert response.json()["message"]
    assert (await get_statement(client, good["id"])).status_code == 404


async def test_v47_duplicate_ids_in_batch_rejected(client: httpx.AsyncClient) -> None:
    """V-47, X-12: two statements with one id in a batch → 400, nothing stored."""
    first = statement()
    second = statement(id=first["id"].upper())
    response = await client.post("/xapi/statements", json=[first, second])
    assert response.status_code == 400
    assert (await get_statement(client, first["id"])).status_code == 404


async def test_sr4_equivalent_repost_is_noop(client: httpx.AsyncClient) -> None:
    """SR-4: re-sending the same statement succeeds and changes nothing."""
    stmt = statement()
    assert (await client.post("/xapi/statements", json=stmt)).status_code == 200
    before = (await get_statement(client, stmt["id"])).json()
    again = await client.put("/xapi/statements", params={"statementId": stmt["id"]}, json=stmt)
    assert again.status_code == 204
    repost = await client.post("/xapi/statements", json=[stmt])
    assert repost.status_code == 200
    assert repost.json() == [stmt["id"]]
    assert (await get_statement(client, stmt["id"])).json() == before


async def test_sr4_conflicting_content_is_409(client: httpx.AsyncClient) -> None:
    """SR-4, SR-5: an existing id with different content → 409; the stored one is unchanged."""
    stmt = statement()
    assert (await client.post("/xapi/statements", json=stmt)).status_code == 200
    changed = {**stmt, "verb": {"id": "http://example.org/verbs/failed"}}
    response = await client.put(
        "/xapi/statements", params={"statementId": stmt["id"]}, json=changed
    )
    assert response.status_code == 409
    assert response.json()["message"]
    assert (await get_statement(client, stmt["id"])).json()["verb"] == stmt["verb"]


async def test_sr4_conflict_in_batch_stores_nothing(client: httpx.AsyncClient) -> None:
    """SR-4, V-46: a conflicting statement fails the whole batch with 409."""
    stmt = statement()
    await client.post("/xapi/statements", json=stmt)
    fresh = statement()
    conflicting = {**stmt, "verb": {"id": "http://example.org/verbs/failed"}}
    response = await client.post("/xapi/statements", json=[fresh, conflicting])
    assert response.status_code == 409
    assert (await get_statement(client, fresh["id"])).status_code == 404


async def test_concurrent_same_id_stores_one_copy(client: httpx.AsyncClient) -> None:
    """SR-4: many clients posting one id at once: all succeed, one copy stored."""
    stmt = statement()
    responses = await asyncio.gather(
        *[client.post("/xapi/statements", json=stmt) for _ in range(20)]
    )
    assert {r.status_code for r in responses} == {200}
    page = (await client.get("/xapi/statements", params={"verb": stmt["verb"]["id"]})).json()
    assert [s["id"] for s in page["statements"]].count(stmt["id"]) == 1


async def test_sr11_sr12_lrs_assigned_properties(client: httpx.AsyncClient, version: str) -> None:
    """SR-11, SR-12, SR-13, SR-15: stored, timestamp, authority and version are filled in."""
    stmt = statement(stored="2001-01-01T00:00:00.000Z", authority=agent("somebody"))
    await client.post("/xapi/statements", json=stmt)
    got = (await get_statement(client, stmt["id"])).json()
    assert MS_TIMESTAMP.match(got["stored"])
    assert got["stored"] != "2001-01-01T00:00:00.000Z"
    assert got["timestamp"] == got["stored"]
    assert got["authority"]["account"]["name"] == "test-key"
    assert got["version"] == ("1.0.0" if version == "1.0.3" else "2.0.0")


async def test_sr12_stored_has_real_milliseconds(client: httpx.AsyncClient) -> None:
    """SR-12, CS-19: some recent stored value has a millisecond digit other than 0."""
    digits = set()
    for _ in range(30):
        stmt = statement()
        await client.post("/xapi/statements", json=stmt)
        digits.add((await get_statement(client, stmt["id"])).json()["stored"][-2])
        if digits - {"0"}:
            break
        await asyncio.sleep(0.0013)
    assert digits - {"0"}


async def test_sr14_timestamp_normalized_to_utc(client: httpx.AsyncClient) -> None:
    """SR-14, X-6: a timestamp with an offset comes back as the same instant in UTC ms."""
    stmt = statement(timestamp="2023-05-04T12:00:00-05:00")
    await client.post("/xapi/statements", json=stmt)
    got = (await get_statement(client, stmt["id"])).json()
    assert got["timestamp"] == "2023-05-04T17:00:00.000Z"


async def test_v12_future_timestamp_accepted(client: httpx.AsyncClient) -> None:
    """V-12, X-18: future timestamps are accepted."""
    response = await client.post(
        "/xapi/statements", json=statement(timestamp="2099-01-01T00:00:00.000Z")
    )
    assert response.status_code == 200


@pytest.mark.parametrize("sent", ["1.0.3", "1.0"])
async def test_sr15_version_round_trips(client: httpx.AsyncClient, sent: str) -> None:
    """SR-15: a statement version is returned exactly as received."""
    stmt = statement(version=sent)
    assert (await client.post("/xapi/statements", json=stmt)).status_code == 200
    assert (await get_statement(client, stmt["id"])).json()["version"] == sent


async def test_sr15_version_2_depends_on_request_version(
    client: httpx.AsyncClient, version: str
) -> None:
    """SR-15, X-3: statement version 2.0.0 is accepted from 2.0 requests only."""
    stmt = statement(version="2.0.0")
    response = await client.post("/xapi/statements", json=stmt)
    if version == "2.0.0":
        assert response.status_code == 200
        assert (await get_statement(client, stmt["id"])).json()["version"] == "2.0.0"
    else:
        assert response.status_code == 400


async def test_v37_context_activities_become_arrays(client: httpx.AsyncClient) -> None:
    """V-37: single contextActivities objects are stored and returned as arrays."""
    stmt = statement(context={"contextActivities": {"parent": activity("parent")}})
    await client.post("/xapi/statements", json=stmt)
    got = (await get_statement(client, stmt["id"])).json()
    assert got["context"]["contextActivities"]["parent"] == [activity("parent")]


async def test_v7_numbers_keep_precision(client: httpx.AsyncClient) -> None:
    """V-7: scores round-trip exactly."""
    score = {"scaled": 0.12123434, "raw": 12.125, "min": 0, "max": 45.45}
    stmt = statement(result={"score": score})
    await client.post("/xapi/statements", json=stmt)
    assert (await get_statement(client, stmt["id"])).json()["result"]["score"] == score


async def test_t8_unicode_round_trips(client: httpx.AsyncClient) -> None:
    """T-8: non-ASCII text is stored and returned intact."""
    stmt = statement(obj=activity("ü", name={"zh-Hans-CN": "学习 ✓"}))
    await client.post("/xapi/statements", json=stmt)
    got = await get_statement(client, stmt["id"])
    assert got.json()["object"]["definition"]["name"] == {"zh-Hans-CN": "学习 ✓"}


@pytest.mark.parametrize(
    "content_type", ["multipart/form-data; boundary=x", "text/plain", "application/xml"]
)
async def test_t5_unsupported_content_type_rejected(
    client: httpx.AsyncClient, content_type: str
) -> None:
    """T-5: statements only as application/json or multipart/mixed."""
    stmt = statement()
    response = await client.post(
        "/xapi/statements",
        content=httpx.Request("POST", "/", json=stmt).content,
        headers={"Content-Type": content_type},
    )
    assert response.status_code == 400
    assert (await get_statement(client, stmt["id"])).status_code == 404


async def test_t5_json_with_charset_accepted(client: httpx.AsyncClient) -> None:
    """T-5: media type parameters are ignored."""
    response = await client.post(
        "/xapi/statements",
        content=httpx.Request("POST", "/", json=statement()).content,
        headers={"Content-Type": "Application/JSON; charset=UTF-8"},
    )
    assert response.status_code == 200


@pytest.mark.parametrize("raw", [b"{", b"[1, 2", b'{"actor": NaN}', b"\xff\xfe", b"null", b"42"])
async def test_v1_malformed_json_rejected(client: httpx.AsyncClient, raw: bytes) -> None:
    """V-1: invalid JSON or a body that is not a statement → 400 with a message."""
    response = await client.post(
        "/xapi/statements", content=raw, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["message"]


async def test_sr13_authority_is_the_credential(client: httpx.AsyncClient) -> None:
    """SR-13: a client-supplied authority is replaced by the credential's agent."""
    stmt = statement(authority=agent("impostor"))
    await client.post("/xapi/statements", json=stmt)
    got = (await get_statement(client, stmt["id"])).json()
    assert got["authority"] == {
        "objectType": "Agent",
        "name": "bootstrap",
        "account": {"homePage": "http://lrs.test", "name": "test-key"},
    }

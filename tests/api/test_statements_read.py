"""GET statements through HTTP (SR-20..SR-61, T-12, T-13, T-17, T-18)."""

from __future__ import annotations

import asyncio
import email.utils
import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from tests.builders import VOIDED, activity, agent, statement, voiding

pytestmark = pytest.mark.asyncio


async def post(client: httpx.AsyncClient, *statements: dict[str, Any]) -> list[str]:
    response = await client.post("/xapi/statements", json=list(statements))
    assert response.status_code == 200, response.text
    ids: list[str] = response.json()
    return ids


async def query(client: httpx.AsyncClient, **params: str) -> dict[str, Any]:
    response = await client.get("/xapi/statements", params=params)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def ids_of(result: dict[str, Any]) -> list[str]:
    return [s["id"] for s in result["statements"]]


async def test_sr30_single_get_is_bare_statement(client: httpx.AsyncClient) -> None:
    """SR-30, SR-33, T-17: GET by id → the statement itself with Last-Modified = stored."""
    stmt = statement()
    await post(client, stmt)
    response = await client.get("/xapi/statements", params={"statementId": stmt["id"]})
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == stmt["id"]
    stored = datetime.fromisoformat(body["stored"].replace("Z", "+00:00"))
    modified = email.utils.parsedate_to_datetime(response.headers["Last-Modified"])
    assert modified == stored.replace(microsecond=0)


async def test_sr30_unknown_id_is_404(client: httpx.AsyncClient) -> None:
    """SR-30, T-18: unknown id → 404, with Consistent-Through."""
    response = await client.get("/xapi/statements", params={"statementId": str(uuid.uuid4())})
    assert response.status_code == 404
    assert "X-Experience-API-Consistent-Through" in response.headers


async def test_sr20_voiding(client: httpx.AsyncClient) -> None:
    """SR-20, SR-30, SR-31, SR-44: a voided statement is only found by voidedStatementId."""
    target = statement()
    void = voiding(target["id"])
    await post(client, target)
    await post(client, void)
    by_id = await client.get("/xapi/statements", params={"statementId": target["id"]})
    assert by_id.status_code == 404
    voided = await client.get("/xapi/statements", params={"voidedStatementId": target["id"]})
    assert voided.status_code == 200
    assert voided.json()["id"] == target["id"]
    listed = ids_of(await query(client))
    assert target["id"] not in listed
    assert void["id"] in listed
    not_voided = await client.get("/xapi/statements", params={"voidedStatementId": void["id"]})
    assert not_voided.status_code == 404


async def test_sr20_voiding_before_target_arrives(client: httpx.AsyncClient) -> None:
    """SR-20, SR-21: a voiding statement for an unknown target is accepted and applies later."""
    target = statement()
    await post(client, voiding(target["id"]))
    await post(client, target)
    assert (
        await client.get("/xapi/statements", params={"statementId": target["id"]})
    ).status_code == 404
    assert (
        await client.get("/xapi/statements", params={"voidedStatementId": target["id"]})
    ).status_code == 200


async def test_sr22_voiding_a_voiding_statement_has_no_effect(client: httpx.AsyncClient) -> None:
    """SR-22: voiding a voiding statement leaves it retrievable."""
    target = statement()
    first = voiding(target["id"])
    await post(client, target, first)
    await post(client, voiding(first["id"]))
    response = await client.get("/xapi/statements", params={"statementId": first["id"]})
    assert response.status_code == 200


async def test_v45_voiding_verb_needs_statement_ref(client: httpx.AsyncClient) -> None:
    """V-45: the voided verb with an Activity object → 400."""
    bad = statement(obj=activity())
    bad["verb"] = {"id": VOIDED}
    response = await client.post("/xapi/statements", json=bad)
    assert response.status_code == 400


async def test_sr43_statement_ref_filter_propagation(client: httpx.AsyncClient) -> None:
    """SR-43, CS-16: verb filter returns [S3, S2] through references to a voided S1."""
    verb = f"http://example.org/verbs/{uuid.uuid4()}"
    s1 = statement()
    s1["verb"] = {"id": verb}
    s2 = voiding(s1["id"])
    s3 = statement(obj={"objectType": "StatementRef", "id": s1["id"]})
    s3["verb"] = {"id": verb}
    await post(client, s1)
    await post(client, s2)
    await post(client, s3)
    assert ids_of(await query(client, verb=verb)) == [s3["id"], s2["id"]]
    assert ids_of(await query(client, verb=verb, limit="1")) == [s3["id"]]


async def test_sr43_reference_to_later_statement(client: httpx.AsyncClient) -> None:
    """SR-43: a referencing statement matches once its target arrives, through chains."""
    actor = agent(f"late{uuid.uuid4().hex[:8]}")
    target = statement(actor=actor)
    middle = statement(obj={"objectType": "StatementRef", "id": target["id"]})
    outer = statement(obj={"objectType": "StatementRef", "id": middle["id"]})
    await post(client, outer)
    await post(client, middle)
    await post(client, target)
    found = ids_of(await query(client, agent=json.dumps(actor)))
    assert found == [target["id"], middle["id"], outer["id"]]


async def test_sr42_agent_filter(client: httpx.AsyncClient) -> None:
    """SR-42: agent matches actor or object by IFI only; related_agents widens the search."""
    ann = agent(f"ann{uuid.uuid4().hex[:8]}")
    as_actor = statement(actor=ann)
    as_object = statement(obj=ann)
    as_instructor = statement(context={"instructor": ann})
    in_group = statement(actor={"objectType": "Group", "member": [ann, agent("bob")]})
    await post(client, as_actor, as_object, as_instructor, in_group)
    probe = json.dumps({"mbox": ann["mbox"]})
    direct = set(ids_of(await query(client, agent=probe)))
    assert direct == {as_actor["id"], as_object["id"], in_group["id"]}
    related = set(ids_of(await query(client, agent=probe, related_agents="true")))
    assert related == direct | {as_instructor["id"]}


async def test_sr42_activity_and_related_activities(client: httpx.AsyncClient) -> None:
    """SR-42: activity matches the object; related_activities adds context and SubStatements."""
    slug = uuid.uuid4().hex
    target = activity(slug)
    direct = statement(obj=target)
    parent = statement(context={"contextActivities": {"parent": [target]}})
    sub = statement(
        obj={
            "objectType": "SubStatement",
            "actor": agent(),
            "verb": {"id": "http://example.org/verbs/did"},
            "object": target,
        }
    )
    await post(client, direct, parent, sub)
    assert ids_of(await query(client, activity=target["id"])) == [direct["id"]]
    related = set(ids_of(await query(client, activity=target["id"], related_activities="true")))
    assert related == {direct["id"], parent["id"], sub["id"]}


async def test_sr42_registration_and_combined_filters(client: httpx.AsyncClient) -> None:
    """SR-42: registration filter, ANDed with verb."""
    registration = str(uuid.uuid4())
    a = statement(verb="passed", context={"registration": registration})
    b = statement(verb="failed", context={"registration": registration.upper()})
    await post(client, a, b)
    assert set(ids_of(await query(client, registration=registration))) == {a["id"], b["id"]}
    both = await query(client, registration=registration, verb="http://example.org/verbs/passed")
    assert ids_of(both) == [a["id"]]


async def test_sr45_order_and_ascending(client: httpx.AsyncClient) -> None:
    """SR-45: newest first; ascending=true reverses."""
    registration = str(uuid.uuid4())
    batch = [statement(context={"registration": registration}) for _ in range(3)]
    for stmt in batch:
        await post(client, stmt)
    ids = [s["id"] for s in batch]
    assert ids_of(await query(client, registration=registration)) == ids[::-1]
    assert ids_of(await query(client, registration=registration, ascending="true")) == ids


async def test_sr41_since_and_until(client: httpx.AsyncClient) -> None:
    """SR-41: since is exclusive, until inclusive, both on stored."""
    registration = str(uuid.uuid4())
    first, second = (
        statement(context={"registration": registration}),
        statement(context={"registration": registration}),
    )
    await post(client, first)
    await asyncio.sleep(0.01)
    await post(client, second)
    stored_first = (await query(client, registration=registration, ascending="true"))["statements"][
        0
    ]["stored"]
    assert ids_of(await query(client, registration=registration, since=stored_first)) == [
        second["id"]
    ]
    assert ids_of(await query(client, registration=registration, until=stored_first)) == [
        first["id"]
    ]
    plus = stored_first.replace("Z", "+00:00")
    assert ids_of(await query(client, registration=registration, until=plus)) == [first["id"]]


async def test_sr46_more_pages_through_everything(client: httpx.AsyncClient) -> None:
    """SR-46, SR-47, CS-24: `more` is a relative IRL under the base path; pages cover all."""
    registration = str(uuid.uuid4())
    batch = [statement(context={"registration": registration}) for _ in range(7)]
    await post(client, *batch)
    page = await query(client, registration=registration, limit="3")
    seen = ids_of(page)
    while page["more"]:
        assert page["more"].startswith("/xapi/statements?")
        response = await client.get(page["more"])
        assert response.status_code == 200
        page = response.json()
        seen += ids_of(page)
    assert sorted(seen) == sorted(s["id"] for s in batch)
    assert len(seen) == 7


async def test_sr46_paging_is_stable_while_statements_arrive(client: httpx.AsyncClient) -> None:
    """SR-46: new statements arriving between pages are neither repeated nor cause skips."""
    registration = str(uuid.uuid4())
    batch = [statement(context={"registration": registration}) for _ in range(6)]
    await post(client, *batch)
    page = await query(client, registration=registration, limit="2")
    seen = ids_of(page)
    while page["more"]:
        await post(client, statement(context={"registration": registration}))
        page = (await client.get(page["more"])).json()
        seen += ids_of(page)
    assert sorted(seen) == sorted(s["id"] for s in batch)


async def test_sr46_ascending_paging_ends_at_what_was_stored_when_it_began(
    client: httpx.AsyncClient,
) -> None:
    """SR-46: ascending `more` pages cover the statements stored when paging began, then end,
    however fast new ones arrive (a reader never chases the writers forever)."""
    registration = str(uuid.uuid4())
    batch = [statement(context={"registration": registration}) for _ in range(6)]
    await post(client, *batch)
    page = await query(client, registration=registration, limit="2", ascending="true")
    seen = ids_of(page)
    pages = 1
    while page["more"] and pages < 10:
        await post(client, *[statement(context={"registration": registration}) for _ in range(3)])
        page = (await client.get(page["more"])).json()
        seen += ids_of(page)
        pages += 1
    assert page["more"] == ""
    assert seen == [s["id"] for s in batch]


async def test_sr46_more_token_alone_only(client: httpx.AsyncClient) -> None:
    """SR-46: a more token combined with other parameters, or forged, → 400."""
    registration = str(uuid.uuid4())
    await post(client, *[statement(context={"registration": registration}) for _ in range(3)])
    more = (await query(client, registration=registration, limit="1"))["more"]
    response = await client.get(more + "&limit=5")
    assert response.status_code == 400
    assert (await client.get("/xapi/statements?more=garbage!")).status_code == 400


async def test_sr40_empty_result(client: httpx.AsyncClient) -> None:
    """SR-40, SR-47: no match → empty statements and empty more."""
    result = await query(client, registration=str(uuid.uuid4()))
    assert result == {"statements": [], "more": ""}


@pytest.mark.parametrize(
    "params",
    [
        {"foo": "bar"},
        {"StatementId": str(uuid.uuid4())},
        {"LIMIT": "1"},
        {"Agent": json.dumps({"mbox": "mailto:a@example.org"})},
        {"Related_Agents": "true"},
    ],
)
async def test_t12_unknown_or_miscased_parameters(
    client: httpx.AsyncClient, params: dict[str, str]
) -> None:
    """T-12: unknown or mis-cased parameter names → 400."""
    response = await client.get("/xapi/statements", params=params)
    assert response.status_code == 400
    assert "X-Experience-API-Consistent-Through" in response.headers


@pytest.mark.parametrize(
    "params",
    [
        {"statementId": "wrong"},
        {"agent": "wrong"},
        {"agent": json.dumps({"name": "no ifi"})},
        {"agent": json.dumps({"objectType": "Group", "member": [{"mbox": "mailto:a@b.org"}]})},
        {"registration": "wrong"},
        {"registration": "true"},
        {"verb": "not.a.valid.iri.com/verb"},
        {"activity": "should fail"},
        {"since": "true"},
        {"until": "01/011/2015"},
        {"limit": "-1"},
        {"limit": "1.5"},
        {"format": "full"},
        {"attachments": "yes"},
        {"ascending": "TRUE"},
        {"related_agents": "1"},
    ],
)
async def test_t13_invalid_parameter_values(
    client: httpx.AsyncClient, params: dict[str, str]
) -> None:
    """T-13, SR-41: parameter values are validated like statement data."""
    response = await client.get("/xapi/statements", params=params)
    assert response.status_code == 400
    assert response.json()["message"]


@pytest.mark.parametrize(
    "extra",
    [
        {"agent": json.dumps({"mbox": "mailto:a@example.org"})},
        {"limit": "1"},
        {"ascending": "true"},
        {"voidedStatementId": str(uuid.uuid4())},
    ],
)
async def test_sr32_single_get_allows_only_format_and_attachments(
    client: httpx.AsyncClient, extra: dict[str, str]
) -> None:
    """SR-32: statementId combined with query parameters → 400."""
    params = {"statementId": str(uuid.uuid4()), **extra}
    response = await client.get("/xapi/statements", params=params)
    assert response.status_code == 400


async def test_sr51_ids_format(client: httpx.AsyncClient) -> None:
    """SR-51, CS-14, X-14: ids keeps only identifiers of agents, groups, activities, verbs."""
    group = {
        "objectType": "Group",
        "name": "Team",
        "account": {"homePage": "http://example.org", "name": "team1"},
        "member": [agent("bob")],
    }
    stmt = statement(
        obj=activity("ids", name={"en-US": "Ids"}),
        context={"team": group, "contextActivities": {"parent": activity("p", name={"en": "P"})}},
    )
    await post(client, stmt)
    got = (
        await client.get("/xapi/statements", params={"statementId": stmt["id"], "format": "ids"})
    ).json()
    assert got["object"] == {"id": stmt["object"]["id"]}
    assert got["verb"] == {"id": stmt["verb"]["id"]}
    assert got["actor"] == {"objectType": "Agent", "mbox": stmt["actor"]["mbox"]}
    assert got["context"]["team"] == {"objectType": "Group", "account": group["account"]}
    assert got["context"]["contextActivities"]["parent"] == [{"id": activity("p")["id"]}]


async def test_sr52_canonical_format_one_language(client: httpx.AsyncClient) -> None:
    """SR-52, CS-14, X-15: canonical uses the merged definition, one language per map."""
    slug = uuid.uuid4().hex
    names = {"en": "Course", "en-GB": "Course (GB)", "en-US": "Course (US)", "fr": "Cours"}
    first = statement(obj=activity(slug, name={"en-US": names["en-US"], "fr": names["fr"]}))
    second = statement(
        obj=activity(slug, name={"en": names["en"], "en-GB": names["en-GB"]}, type="http://x.org/t")
    )
    first["verb"]["display"] = {"en-US": "attended", "en-GB": "attended"}
    await post(client, first)
    await post(client, second)
    response = await client.get(
        "/xapi/statements",
        params={"statementId": first["id"], "format": "canonical"},
        headers={"Accept-Language": "en-GB"},
    )
    got = response.json()
    assert got["verb"]["display"] == {"en-GB": "attended"}
    assert got["object"]["definition"] == {
        "name": {"en-GB": "Course (GB)"},
        "type": "http://x.org/t",
    }
    exact = (await client.get("/xapi/statements", params={"statementId": first["id"]})).json()
    assert exact["object"]["definition"]["name"] == {"en-US": names["en-US"], "fr": names["fr"]}


async def test_t18_consistent_through_on_every_statements_response(
    client: httpx.AsyncClient,
) -> None:
    """T-18, T-19: PUT, POST, GET and errors carry a parseable Consistent-Through."""
    responses = [
        await client.post("/xapi/statements", json=statement()),
        await client.get("/xapi/statements"),
        await client.head("/xapi/statements"),
        await client.get("/xapi/statements", params={"bogus": "1"}),
    ]
    for response in responses:
        value = response.headers["X-Experience-API-Consistent-Through"]
        instant = datetime.fromisoformat(value.replace("Z", "+00:00"))
        assert abs(datetime.now(UTC) - instant) < timedelta(minutes=1)


async def test_t20_head_statements(client: httpx.AsyncClient) -> None:
    """T-20: HEAD has GET's status and headers and no body."""
    stmt = statement()
    await post(client, stmt)
    get = await client.get("/xapi/statements", params={"statementId": stmt["id"]})
    head = await client.head("/xapi/statements", params={"statementId": stmt["id"]})
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["Last-Modified"] == get.headers["Last-Modified"]
    assert head.headers["content-type"] == get.headers["content-type"]
    missing = await client.head("/xapi/statements", params={"statementId": str(uuid.uuid4())})
    assert missing.status_code == 404

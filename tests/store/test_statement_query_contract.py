"""Storage contract of statement reads: filters, time bounds, order, paging, side tables.

Runs once per adapter (`store` fixture, tests/store/conftest.py; ARCHITECTURE rule 11).
"""

from __future__ import annotations

import asyncio

import orjson
import pytest

from service.model.clock import now_ms
from service.model.errors import ConflictError
from service.model.statements import StatementQuery, StoredAttachment
from service.store.ports import Store
from service.xapi.agents import agent_key
from tests.builders import activity, agent, statement
from tests.store.statement_support import put, query_ids

pytestmark = pytest.mark.asyncio
ACT = "http://example.org/act/"
VERB = "http://example.org/verbs/"
REGISTRATION = "ec531277-b57b-4c15-8d91-d292c5b2b8f7"


async def test_every_filter_is_an_exact_match_sr42(store: Store) -> None:
    """SR-42: agent, related_agents, verb, activity, related_activities, registration."""
    ann, bob, cat = agent("ann"), agent("bob"), agent("cat")
    plain = statement(actor=ann, verb="read", obj=activity("book"))
    about_bob = statement(actor=ann, verb="met", obj=bob)
    context = {
        "registration": REGISTRATION.upper(),
        "instructor": cat,
        "contextActivities": {"parent": [activity("course")]},
    }
    in_context = statement(actor=bob, verb="read", obj=activity("page"), context=context)
    sub = {"objectType": "SubStatement", "actor": cat, "verb": {"id": VERB + "x"}}
    nested = statement(actor=bob, verb="plan", obj={**sub, "object": activity("quiz")})
    for s in (plain, about_bob, in_context, nested):
        await put(store, s)
    key = {name: agent_key(a) for name, a in (("ann", ann), ("bob", bob), ("cat", cat))}
    assert await query_ids(store, agent=key["ann"]) == [about_bob["id"], plain["id"]]
    bob_ids = [nested["id"], in_context["id"], about_bob["id"]]
    assert await query_ids(store, agent=key["bob"]) == bob_ids
    assert await query_ids(store, agent=key["cat"]) == []
    related_cat = [nested["id"], in_context["id"]]
    assert await query_ids(store, agent=key["cat"], related_agents=True) == related_cat
    assert await query_ids(store, verb=VERB + "read") == [in_context["id"], plain["id"]]
    assert await query_ids(store, activity=ACT + "course") == []
    related = await query_ids(store, activity=ACT + "course", related_activities=True)
    assert related == [in_context["id"]]
    assert await query_ids(store, activity=ACT + "quiz") == []
    assert await query_ids(store, activity=ACT + "quiz", related_activities=True) == [nested["id"]]
    assert await query_ids(store, registration=REGISTRATION) == [in_context["id"]]
    both = await query_ids(store, agent=key["ann"], verb=VERB + "read")
    assert both == [plain["id"]]


async def test_since_until_and_order_sr41_sr45(store: Store) -> None:
    """SR-41, SR-45: since exclusive, until inclusive, newest first unless ascending."""
    made = [statement() for _ in range(3)]
    for s in made:
        await put(store, s)
    stored = []
    for s in made:
        found = await store.statements.get_statement("t1", s["id"], voided=False)
        assert found is not None
        stored.append(found.stored_ms)
    assert stored == sorted(set(stored))
    ids = [s["id"] for s in made]
    assert await query_ids(store) == ids[::-1]
    assert await query_ids(store, ascending=True) == ids
    assert await query_ids(store, since_ms=stored[0]) == [ids[2], ids[1]]
    assert await query_ids(store, until_ms=stored[1]) == [ids[1], ids[0]]
    assert await query_ids(store, since_ms=stored[0], until_ms=stored[1], ascending=True) == [
        ids[1]
    ]


async def test_paging_is_stable_under_new_writes_sr46(store: Store) -> None:
    """SR-46, SR-47: the cursor resumes after the last statement; new writes never shift it."""
    first = [statement() for _ in range(5)]
    for s in first:
        await put(store, s)
    seen: list[str] = []
    query = StatementQuery(limit=2)
    while True:
        page = await store.statements.query_statements("t1", query)
        seen.extend(orjson.loads(body)["id"] for body in page.bodies)
        await put(store, statement())
        if not page.has_more:
            break
        query = StatementQuery(limit=2, after_seq=page.last_seq)
    assert seen == [s["id"] for s in reversed(first)]


async def test_concurrent_batches_keep_one_order_sr12_sr45(store: Store) -> None:
    """SR-12, SR-45: under concurrent writers `stored` never decreases along the order."""
    batches = [[statement() for _ in range(4)] for _ in range(8)]
    await asyncio.gather(*(put(store, *batch) for batch in batches))
    seen: list[dict[str, str]] = []
    query = StatementQuery(limit=5, ascending=True)
    while True:
        page = await store.statements.query_statements("t1", query)
        seen.extend(orjson.loads(body) for body in page.bodies)
        if not page.has_more:
            break
        query = StatementQuery(limit=5, ascending=True, after_seq=page.last_seq)
    assert len({s["id"] for s in seen}) == len(seen) == 32
    stored = [s["stored"] for s in seen]
    assert stored == sorted(stored)
    newest = await store.statements.get_statement("t1", seen[-1]["id"], voided=False)
    assert newest is not None
    assert newest.stored_ms <= store.statements.consistent_through_ms() <= now_ms()


async def test_attachments_by_sha2_at4(store: Store) -> None:
    """AT-4: attachments are kept once per tenant by sha2 and returned in the order asked."""
    one = StoredAttachment(sha2="a" * 64, content_type="text/plain", data=b"one")
    two = StoredAttachment(sha2="b" * 64, content_type="image/png", data=b"\x89PNG\x00")
    await put(store, statement(), attachments=[one, two])
    await put(store, statement(), attachments=[one])
    found = await store.statements.get_attachments("t1", ["b" * 64, "c" * 64, "a" * 64])
    assert found == [two, one]
    assert await store.statements.get_attachments("t2", ["a" * 64]) == []


async def test_activity_definitions_merge_rs4(store: Store) -> None:
    """RS-4: language maps merge key by key, other properties take the newest value."""
    first = activity("m", name={"en-US": "Intro"}, type="http://example.org/t/a")
    second = activity("m", name={"fr": "Intro FR"}, description={"en-US": "About"})
    third = activity("m", type="http://example.org/t/b")
    context = {"contextActivities": {"parent": [third]}}
    await put(store, statement(obj=first))
    await put(store, statement(obj=second), statement(obj=activity("other"), context=context))
    found = await store.statements.get_activity_definitions("t1", [ACT + "m", ACT + "none"])
    assert found == {
        ACT + "m": {
            "name": {"en-US": "Intro", "fr": "Intro FR"},
            "type": "http://example.org/t/b",
            "description": {"en-US": "About"},
        }
    }
    assert await store.statements.get_activity_definitions("t2", [ACT + "m"]) == {}


async def test_credentials_au1(store: Store) -> None:
    """AU-1: credentials are stored once by key with their hashed secret."""
    from service.tenancy.auth import new_credential

    before = await store.accounts.count_credentials()
    issued = new_credential(name="lms", key="contract-key", secret="contract-secret")
    await store.accounts.add_credential(issued.record)
    assert await store.accounts.get_credential("contract-key") == issued.record
    assert await store.accounts.count_credentials() == before + 1
    assert await store.accounts.get_credential("missing") is None
    with pytest.raises(ConflictError):
        await store.accounts.add_credential(issued.record)


async def test_agent_names_in_order_up_to_a_limit_rs6(store: Store) -> None:
    """RS-6: the names used with an agent, first use first, repeats once, at most 16 kept."""
    from service.model.documents import MAX_NAMES

    def named(name: str) -> dict[str, object]:
        return statement(actor={"name": name, "mbox": "mailto:ann@example.org"})

    await put(store, named("N0"), named("N1"), named("N0"))
    await put(store, *(named(f"N{i}") for i in range(MAX_NAMES + 3)))
    known = await store.statements.get_agent(
        "t1", agent_key({"mbox": "mailto:ann@example.org"}) or ""
    )
    assert known is not None
    assert known.names == [f"N{i}" for i in range(MAX_NAMES)]
    assert known.ifi == {"mbox": "mailto:ann@example.org"}

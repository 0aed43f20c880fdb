"""Storage contract of statement writes: ids, conflicts, atomicity, voiding, references.

Runs once per adapter (`store` fixture, tests/store/conftest.py; ARCHITECTURE rule 11).
"""

from __future__ import annotations

import asyncio
import hashlib
from typing import Any

import orjson
import pytest

from service.model.errors import ConflictError
from service.model.forwarding import ForwardTarget
from service.model.statements import StatementQuery, StatementWrite, StoredAttachment
from service.store.ports import Store
from service.xapi.agents import agent_key
from service.xapi.timestamps import format_ms
from tests.builders import activity, agent, statement, voiding
from tests.store.statement_support import body_of, prep, put, query_ids

pytestmark = pytest.mark.asyncio


async def test_round_trip_stamps_stored_sr11_sr12(store: Store) -> None:
    """SR-11, SR-12: `stored` is set, a missing `timestamp` equals it; scoped by tenant."""
    given = statement(timestamp="2020-01-01T00:00:00.000Z")
    bare = statement()
    await put(store, given, bare)
    found = await store.statements.get_statement("t1", bare["id"], voided=False)
    assert found is not None
    body = await body_of(store, bare["id"])
    assert body["stored"] == body["timestamp"] == format_ms(found.stored_ms)
    assert (await body_of(store, given["id"]))["timestamp"] == "2020-01-01T00:00:00.000Z"
    assert await store.statements.get_statement("t1", bare["id"], voided=True) is None
    assert await store.statements.get_statement("t2", bare["id"], voided=False) is None
    assert await query_ids(store, "t2") == []


async def test_equivalent_repost_changes_nothing_sr4(store: Store) -> None:
    """SR-4, SR-6: an equivalent statement under a stored id is a no-op success."""
    original = statement()
    await put(store, original)
    before = await store.statements.get_statement("t1", original["id"], voided=False)
    again = {**original, "verb": {**original["verb"], "display": {"de": "fertig"}}}
    assert await put(store, again) == [original["id"]]
    after = await store.statements.get_statement("t1", original["id"], voided=False)
    assert after == before
    assert await query_ids(store) == [original["id"]]


async def test_conflict_rejects_the_whole_batch_sr4(store: Store) -> None:
    """SR-4: a different statement under a stored id fails the batch; nothing is stored."""
    stored = statement()
    await put(store, stored)
    fresh = statement()
    changed = {**stored, "verb": {"id": "http://example.org/verbs/other"}}
    with pytest.raises(ConflictError):
        await put(store, fresh, changed)
    assert await store.statements.get_statement("t1", fresh["id"], voided=False) is None
    assert await query_ids(store) == [stored["id"]]
    assert (await body_of(store, stored["id"]))["verb"] == stored["verb"]


async def test_repeated_id_inside_one_batch_sr4(store: Store) -> None:
    """SR-4: the same id twice in a batch is stored once; different contents reject it."""
    twice = statement()
    assert await put(store, twice, dict(twice)) == [twice["id"], twice["id"]]
    assert await query_ids(store) == [twice["id"]]
    clash = statement()
    with pytest.raises(ConflictError):
        await put(store, clash, {**clash, "object": activity("elsewhere")})
    assert await store.statements.get_statement("t1", clash["id"], voided=False) is None


async def test_concurrent_writers_of_one_id_sr4(store: Store) -> None:
    """SR-4: racing equivalent writes all succeed once; racing different ones, one wins."""
    same = statement()
    results = await asyncio.gather(*(put(store, dict(same)) for _ in range(6)))
    assert results == [[same["id"]]] * 6
    assert await query_ids(store) == [same["id"]]
    base = statement()
    rivals = [{**base, "object": activity(f"rival{i}")} for i in range(6)]
    outcomes = await asyncio.gather(*(put(store, r) for r in rivals), return_exceptions=True)
    assert sum(not isinstance(o, BaseException) for o in outcomes) == 1
    assert all(isinstance(o, ConflictError) for o in outcomes if isinstance(o, BaseException))
    assert len(await query_ids(store)) == 2


async def test_voiding_sr20_sr22(store: Store) -> None:
    """SR-20, SR-22, SR-44: the target leaves queries; a voided voider stays visible."""
    target = statement()
    void = voiding(target["id"])
    await put(store, target)
    await put(store, void)
    assert await store.statements.get_statement("t1", target["id"], voided=False) is None
    assert (await body_of(store, target["id"], voided=True))["id"] == target["id"]
    assert await query_ids(store) == [void["id"]]
    void_the_voider = voiding(void["id"])
    await put(store, void_the_voider)
    assert (await body_of(store, void["id"]))["id"] == void["id"]
    assert await query_ids(store) == [void_the_voider["id"], void["id"]]


async def test_voiding_before_its_target_arrives_sr20_sr21(store: Store) -> None:
    """SR-20, SR-21: an unknown target is accepted and voided once it arrives."""
    target = statement()
    void = voiding(target["id"].upper())
    await put(store, void)
    await put(store, target)
    assert await store.statements.get_statement("t1", target["id"], voided=False) is None
    assert await store.statements.get_statement("t1", target["id"], voided=True) is not None
    same_batch = statement()
    await put(store, voiding(same_batch["id"]), same_batch)
    assert await store.statements.get_statement("t1", same_batch["id"], voided=False) is None


async def test_a_voiding_statement_voids_only_in_its_own_tenant_sr20(store: Store) -> None:
    """SR-20 and tenant isolation: a voiding statement stored in another tenant never voids a
    statement with that id arriving here later (the test server's `distinct` ignored the
    tenant in this check)."""
    target = statement()
    await put(store, voiding(target["id"]), tenant="t2")
    await put(store, target)
    assert (await body_of(store, target["id"]))["id"] == target["id"]
    assert await query_ids(store) == [target["id"]]


def ref(target_id: str, verb: str = "shared") -> dict[str, Any]:
    return statement(verb=verb, obj={"objectType": "StatementRef", "id": target_id})


async def test_statement_ref_filters_suite_example_sr43(store: Store) -> None:
    """SR-43: the conformance suite's example, newest first, voided S1 never returned."""
    s1 = statement(verb="v")
    s2 = voiding(s1["id"])
    s3 = ref(s1["id"], verb="v")
    for s in (s1, s2, s3):
        await put(store, s)
    verb = "http://example.org/verbs/v"
    assert await query_ids(store, verb=verb) == [s3["id"], s2["id"]]
    assert await query_ids(store, verb=verb, limit=1) == [s3["id"]]


async def test_references_resolved_when_targets_arrive_later_sr43(store: Store) -> None:
    """SR-43: referrers inherit a target's keys, through chains, whatever the arrival order."""
    target = statement(obj=activity("late"))
    middle = ref(target["id"])
    outer = ref(middle["id"])
    await put(store, outer)
    await put(store, middle)
    await put(store, target)
    late = "http://example.org/act/late"
    assert await query_ids(store, activity=late) == [target["id"], middle["id"], outer["id"]]
    chain = [statement(obj=activity("batch"))]
    chain.append(ref(chain[0]["id"]))
    chain.append(ref(chain[1]["id"]))
    await put(store, chain[2], chain[0], chain[1])
    found = await query_ids(store, activity="http://example.org/act/batch")
    assert sorted(found) == sorted(s["id"] for s in chain)


async def test_authority_is_not_inherited_sr43(store: Store) -> None:
    """SR-43, AU-5: a referrer matches its target's filters but not its target's authority."""
    first = {"objectType": "Agent", "mbox": "mailto:first@example.org"}
    second = {"objectType": "Agent", "mbox": "mailto:second@example.org"}
    target = statement()
    referrer = ref(target["id"])
    await put(store, target, authority=first)
    await put(store, referrer, authority=second)
    assert await query_ids(store, authority=agent_key(first)) == [target["id"]]
    assert await query_ids(store, authority=agent_key(second)) == [referrer["id"]]
    ann = agent_key(agent())
    assert await query_ids(store, agent=ann) == [referrer["id"], target["id"]]


async def test_side_effects_only_for_new_statements_sr4_rs4(store: Store) -> None:
    """SR-4, RS-4: an equivalent re-post does not merge its definition again."""
    first = statement(obj=activity("d", type="http://example.org/t/one"))
    await put(store, first)
    await put(store, statement(obj=activity("d", type="http://example.org/t/two")))
    await put(store, first)
    found = await store.statements.get_activity_definitions("t1", ["http://example.org/act/d"])
    assert found == {"http://example.org/act/d": {"type": "http://example.org/t/two"}}


async def test_prepared_statements_keep_their_ids_sr2(store: Store) -> None:
    """SR-2: ids come back in input order, including the generated ones."""
    batch = [prep(statement(with_id=False)), prep(statement())]
    ids = await store.statements.store_statements(StatementWrite("t1", batch, []))
    assert ids == [new.id for new in batch]
    assert sorted(await query_ids(store)) == sorted(ids)


async def test_each_statement_records_the_attachment_data_sent_with_it_at20(store: Store) -> None:
    """AT-20: a statement records which of its attachments' data came in its own request,
    `fileUrl` or not; reads by id, queries and the forwarding outbox return that record."""
    target = await store.outbox.add_forward_target(
        ForwardTarget(tenant="t1", name="dw", kind="xapi", url="http://127.0.0.1:9/x")
    )
    assert target.id is not None
    data, other = b"sent with it", b"sent with another"
    sha, other_sha = hashlib.sha256(data).hexdigest(), hashlib.sha256(other).hexdigest()
    linked = statement(attachments=[_attachment(sha, fileUrl="http://over.there.com/file.txt")])
    plain = statement(attachments=[_attachment(sha), _attachment(other_sha, fileUrl="http://x")])
    pointer = statement(attachments=[_attachment(sha, fileUrl="http://over.there.com/file.txt")])
    bare = statement()
    await put(store, linked, plain, bare, attachments=[_data(sha, data)])
    await put(store, pointer, attachments=[_data(other_sha, other)])  # not its attachment's
    expected = {linked["id"]: (sha,), plain["id"]: (sha,), pointer["id"]: None, bare["id"]: None}
    for statement_id, uploaded in expected.items():
        found = await store.statements.get_statement("t1", statement_id, voided=False)
        assert found is not None
        assert found.uploaded == uploaded
    page = await store.statements.query_statements("t1", StatementQuery(ascending=True))
    ids = [orjson.loads(body)["id"] for body in page.bodies]
    assert dict(zip(ids, page.uploaded, strict=True)) == expected
    batch = await store.outbox.claim_forward_batch(
        target.id, owner="a", now_ms=10**13, lease_ms=60_000, limit=10
    )
    assert batch is not None
    assert {item.statement_id: item.uploaded for item in batch.items} == expected


def _attachment(sha2: str, **extra: str) -> dict[str, Any]:
    return {
        "usageType": "http://example.org/usage/file",
        "display": {"en-US": "a file"},
        "contentType": "text/plain",
        "length": 1,
        "sha2": sha2,
        **extra,
    }


def _data(sha2: str, data: bytes) -> StoredAttachment:
    return StoredAttachment(sha2=sha2, content_type="text/plain", data=data)

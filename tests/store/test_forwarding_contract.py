"""Storage contract of the forwarding outbox and erasure (issue 5), run against every adapter."""

from __future__ import annotations

import orjson
import pytest

from service.model.documents import (
    DocumentKey,
    DocumentKind,
    DocumentScope,
    Preconditions,
    WriteMode,
)
from service.model.errors import ConflictError, NotFoundError
from service.model.forwarding import DeliveryOutcome, ForwardTarget, TargetFilter
from service.outcomes.learners import learner_of_key
from service.store.ports import Store
from service.xapi.agents import agent_key
from service.xapi.documents import new_write, put_policy
from service.xapi.erasure import pseudonym_for
from tests.builders import agent, statement
from tests.store.statement_support import put, query_ids

pytestmark = pytest.mark.asyncio
PASSED = "http://example.org/verbs/passed"
NONE = Preconditions()


async def add_target(
    store: Store, name: str = "dw", tenant: str = "t1", verbs: tuple[str, ...] = ()
) -> int:
    target = ForwardTarget(
        tenant=tenant,
        name=name,
        kind="xapi",
        url="http://127.0.0.1:9/x",
        filter=TargetFilter(verbs=verbs),
    )
    added = await store.outbox.add_forward_target(target)
    assert added.id is not None
    return added.id


async def claim(store: Store, target_id: int, owner: str = "a", now: int = 10**13) -> list[str]:
    batch = await store.outbox.claim_forward_batch(
        target_id, owner=owner, now_ms=now, lease_ms=60_000, limit=10
    )
    return [] if batch is None else [item.statement_id for item in batch.items]


async def test_outbox_rows_follow_stored_order_and_filters(store: Store) -> None:
    everything = await add_target(store)
    passed_only = await add_target(store, "passed", verbs=(PASSED,))
    with pytest.raises(ConflictError):
        await add_target(store)
    first = await put(store, statement(verb="passed"), statement(verb="failed"))
    second = await put(store, statement(verb="passed"))
    await put(store, statement(), tenant="t2")
    assert await claim(store, everything) == first + second
    assert await claim(store, passed_only) == [first[0], second[0]]


async def test_equivalent_repost_and_rejected_batch_enqueue_nothing(store: Store) -> None:
    target = await add_target(store)
    original = statement()
    await put(store, original)
    await put(store, original)  # SR-4: an equivalent re-post is a no-op
    with pytest.raises(ConflictError):
        await put(store, statement(), {**original, "verb": {"id": PASSED}})
    assert len(await claim(store, target)) == 1


async def test_lease_delivery_failure_and_dead_letters(store: Store) -> None:
    target = await add_target(store)
    ids = await put(store, statement(), statement(), statement())
    assert [t.id for t in await store.outbox.due_forward_targets(10**13)] == [target]
    batch = await store.outbox.claim_forward_batch(
        target, owner="a", now_ms=10**13, lease_ms=60_000, limit=10
    )
    assert batch is not None
    assert orjson.loads(batch.items[0].body)["id"] == ids[0]
    assert await claim(store, target, owner="b") == []  # leased to "a"
    outbox = [item.outbox_id for item in batch.items]
    failure = DeliveryOutcome(
        delivered=outbox[:1],
        failed=outbox[1],
        error="HTTP 503",
        retry_at_ms=10**13 + 500,
        max_attempts=2,
    )
    await store.outbox.finish_forward_batch(target, owner="a", now_ms=10**13, outcome=failure)
    status = (await store.outbox.list_forward_targets("t1"))[0]
    assert (status.pending, status.delivered, status.failures) == (2, 1, 1)
    assert status.last_error == "HTTP 503"
    assert await store.outbox.due_forward_targets(10**13) == []  # backing off
    assert await claim(store, target, owner="b", now=10**13 + 500) == ids[1:]
    await store.outbox.finish_forward_batch(target, owner="b", now_ms=10**13, outcome=failure)
    letters = await store.outbox.list_dead_letters("t1")
    assert [(d.statement_id, d.attempts) for d in letters] == [(ids[1], 2)]
    assert await store.outbox.list_dead_letters("t2") == []
    assert await store.outbox.dead_letter_counts() == {("t1", "dw"): 1}
    assert await claim(store, target, owner="b", now=10**13 + 500) == [ids[2]]
    done = DeliveryOutcome(delivered=[letters[0].outbox_id + 1])
    await store.outbox.finish_forward_batch(target, owner="b", now_ms=10**13, outcome=done)
    assert await store.outbox.requeue_dead_letters("t2") == 0
    assert await store.outbox.requeue_dead_letters("t1", target) == 1
    assert await claim(store, target, owner="c", now=10**13 + 500) == [ids[1]]
    assert await store.outbox.dead_letter_counts() == {}


async def test_the_store_reports_its_size(store: Store) -> None:
    await put(store, *(statement() for _ in range(20)))
    assert await store.size_bytes() > 0


async def test_targets_belong_to_one_tenant(store: Store) -> None:
    target = await add_target(store)
    assert await store.outbox.list_forward_targets("t2") == []
    with pytest.raises(NotFoundError):
        await store.outbox.set_forward_target_enabled("t2", target, False)
    with pytest.raises(NotFoundError):
        await store.outbox.delete_forward_target("t2", target)
    paused = await store.outbox.set_forward_target_enabled("t1", target, False)
    assert not paused.target.enabled
    await put(store, statement())
    assert await claim(store, target) == []  # a disabled target gets no rows
    await store.outbox.delete_forward_target("t1", target)
    assert await store.outbox.list_forward_targets("t1") == []


async def test_erase_agent(store: Store) -> None:
    """Statements about the agent go (also from the outbox), mentions are redacted, others stay."""
    target = await add_target(store)
    erin, olga = agent("erin"), agent("olga")
    about = await put(store, statement(actor=erin), statement(actor=olga, obj=erin))
    mention = await put(store, statement(actor=olga, context={"instructor": erin}))
    other = await put(store, statement(actor=olga))
    elsewhere = await put(store, statement(actor=erin), tenant="t2")
    key = agent_key(erin)
    assert key is not None
    scope = DocumentScope(DocumentKind.STATE, "http://example.org/a", key)
    policy = put_policy(DocumentKind.STATE, "1.0.3")
    write = new_write(
        b"{}", "application/json", mode=WriteMode.PUT, preconditions=NONE, policy=policy
    )
    await store.documents.put_document("t1", DocumentKey(scope, "s"), write)
    record = await store.erasure.erase_agent(
        "t1", key, learner=learner_of_key(key), erased_by="tester", pseudonym=pseudonym_for("x1")
    )
    counts = record.counts
    assert (counts.statements_deleted, counts.statements_redacted) == (2, 1)
    assert (counts.documents_deleted, counts.outbox_deleted, counts.agents_deleted) == (1, 2, 1)
    assert "erin" not in record.agent_hash
    assert sorted(record.deleted_statement_ids) == sorted(about)
    assert await query_ids(store, agent=key, related_agents=True) == []
    assert await query_ids(store) == other + mention
    redacted = await store.statements.get_statement("t1", mention[0], voided=False)
    assert redacted is not None
    assert b"erin@" not in redacted.body
    assert await claim(store, target) == mention + other
    assert await store.documents.get_document("t1", DocumentKey(scope, "s")) is None
    assert await store.statements.get_agent("t1", key) is None
    assert await query_ids(store, "t2") == elsewhere
    assert [r.id for r in await store.erasure.list_erasures("t1")] == [record.id]
    assert await store.erasure.list_erasures("t2") == []
    assert about  # the deleted statements cannot be read by id either
    for statement_id in about:
        assert await store.statements.get_statement("t1", statement_id, voided=False) is None
        assert await store.statements.get_statement("t1", statement_id, voided=True) is None

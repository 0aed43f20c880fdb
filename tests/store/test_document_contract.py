"""Storage contract of documents and agents, parametrized over adapters (ARCHITECTURE rule 11)."""

from __future__ import annotations

import asyncio

import pytest

from service.model.documents import (
    DocumentKey,
    DocumentKind,
    DocumentScope,
    Preconditions,
    PutPolicy,
    WriteMode,
)
from service.model.errors import ConflictError, PreconditionFailedError
from service.model.statements import StatementWrite
from service.store.ports import Store
from service.xapi.agents import agent_key
from service.xapi.documents import etag_of, new_write
from service.xapi.preparation import prepare_statement
from tests.builders import statement

pytestmark = pytest.mark.asyncio  # `store` (tests/store/conftest.py) runs each test per adapter
STRICT = PutPolicy(conflict_if_exists=True, reject_if_missing=False)
SCOPE = DocumentScope(DocumentKind.STATE, "http://example.org/a", "mbox:a@example.org")


def key(document_id: str, scope: DocumentScope = SCOPE) -> DocumentKey:
    return DocumentKey(scope, document_id)


async def put(
    store: Store,
    document_key: DocumentKey,
    content: bytes,
    *,
    mode: WriteMode = WriteMode.PUT,
    tenant: str = "t1",
    preconditions: Preconditions | None = None,
) -> None:
    write = new_write(
        content,
        "application/json",
        mode=mode,
        preconditions=preconditions or Preconditions(if_none_match=("*",)),
        policy=STRICT,
    )
    await store.documents.put_document(tenant, document_key, write)


async def test_round_trip_and_etag_d1(store: Store) -> None:
    """D-1, T-15: bytes, type, SHA-1 ETag and an update time come back."""
    await put(store, key("s"), b'{"a":1}')
    found = await store.documents.get_document("t1", key("s"))
    assert found is not None
    assert (found.content, found.content_type) == (b'{"a":1}', "application/json")
    assert found.etag == etag_of(b'{"a":1}')
    assert found.updated_ms > 0


async def test_keys_scopes_and_tenants_d21(store: Store) -> None:
    """D-21, D-22: kind, registration and tenant separate documents; no registration = all."""
    registered = DocumentScope(SCOPE.kind, SCOPE.activity_id, SCOPE.agent, "r1")
    profile = DocumentScope(DocumentKind.ACTIVITY_PROFILE, SCOPE.activity_id)
    await put(store, key("b"), b"{}")
    await put(store, key("a", registered), b"{}")
    await put(store, key("p", profile), b"{}")
    await put(store, key("z"), b"{}", tenant="t2")
    assert (await store.documents.list_documents("t1", SCOPE)).ids == ["a", "b"]
    assert (await store.documents.list_documents("t1", registered)).ids == ["a"]
    assert (await store.documents.list_documents("t1", profile)).ids == ["p"]
    assert (await store.documents.list_documents("t2", SCOPE)).ids == ["z"]
    assert await store.documents.get_document("t1", key("a")) is None


async def test_since_is_exclusive_d9(store: Store) -> None:
    """D-9: only ids updated strictly after `since`."""
    await put(store, key("s"), b"{}")
    found = await store.documents.get_document("t1", key("s"))
    assert found is not None
    listing = await store.documents.list_documents("t1", SCOPE, since_ms=found.updated_ms - 1)
    assert listing.ids == ["s"]
    assert listing.newest_updated_ms == found.updated_ms
    assert (await store.documents.list_documents("t1", SCOPE, since_ms=found.updated_ms)).ids == []


async def test_rejected_writes_change_nothing_d12_d14(store: Store) -> None:
    """D-12, D-14: 409 and 412 are raised from inside the store and nothing changes."""
    await put(store, key("s"), b'{"v":1}')
    with pytest.raises(ConflictError):
        await put(store, key("s"), b'{"v":2}', preconditions=Preconditions())
    with pytest.raises(PreconditionFailedError):
        await put(store, key("s"), b'{"v":3}', preconditions=Preconditions(if_match=("x",)))
    found = await store.documents.get_document("t1", key("s"))
    assert found is not None
    assert found.content == b'{"v":1}'


async def test_concurrent_writers_with_one_etag_one_wins_d10(store: Store) -> None:
    """D-10, ARCHITECTURE rule 3: the precondition check and the write are one atomic step."""
    await put(store, key("s"), b'{"v":0}')
    tag = Preconditions(if_match=(etag_of(b'{"v":0}'),))
    results = await asyncio.gather(
        *(
            put(store, key("s"), f'{{"w":{i}}}'.encode(), mode=WriteMode.POST, preconditions=tag)
            for i in range(5)
        ),
        return_exceptions=True,
    )
    assert sum(r is None for r in results) == 1
    assert all(isinstance(r, PreconditionFailedError) for r in results if r is not None)


async def test_delete_one_and_scope_d23(store: Store) -> None:
    """D-23: deletes honour preconditions; a scope delete spans registrations."""
    registered = DocumentScope(SCOPE.kind, SCOPE.activity_id, SCOPE.agent, "r1")
    await put(store, key("a"), b"{}")
    await put(store, key("b", registered), b"{}")
    with pytest.raises(PreconditionFailedError):
        await store.documents.delete_document("t1", key("a"), Preconditions(if_match=("nope",)))
    await store.documents.delete_document("t1", key("a"), Preconditions(if_match=(etag_of(b"{}"),)))
    assert (await store.documents.list_documents("t1", SCOPE)).ids == ["b"]
    await store.documents.delete_documents("t1", SCOPE, Preconditions())
    assert (await store.documents.list_documents("t1", SCOPE)).ids == []


async def test_agents_recorded_with_statements_rs6(store: Store) -> None:
    """RS-6, SR-7: statement writes record agents' IFIs and names, per tenant."""
    authority = {"objectType": "Agent", "mbox": "mailto:auth@example.org"}
    actor = {"objectType": "Agent", "name": "Ann", "mbox": "mailto:ann@Example.org"}
    prepared = prepare_statement(statement(actor=actor), version="2.0.0", authority=authority)
    await store.statements.store_statements(StatementWrite("t1", [prepared], []))
    ann = agent_key({"mbox": "mailto:ann@example.org"})
    assert ann is not None
    known = await store.statements.get_agent("t1", ann)
    assert known is not None
    assert known.ifi == {"mbox": "mailto:ann@Example.org"}
    assert known.names == ["Ann"]
    assert await store.statements.get_agent("t2", ann) is None
    assert await store.statements.get_agent("t1", agent_key(authority) or "") is None

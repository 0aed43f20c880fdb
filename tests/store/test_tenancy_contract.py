"""Storage contract of tenants and credentials (issue 5), run against every adapter."""

from __future__ import annotations

from dataclasses import replace

import pytest

from service.model.errors import ConflictError, NotFoundError
from service.model.statements import StatementQuery
from service.model.tenancy import CredentialChanges, Limits, TenantRecord
from service.store.ports import Store
from service.tenancy.auth import new_credential
from tests.builders import statement
from tests.store.statement_support import put

pytestmark = pytest.mark.asyncio


async def test_default_tenant_always_exists(store: Store) -> None:
    default = await store.accounts.get_tenant("default")
    assert default is not None
    assert default.enabled


async def test_tenants_round_trip(store: Store) -> None:
    limits = Limits(rate_per_second=2.5, burst=4, max_batch_statements=10, max_body_bytes=999)
    await store.accounts.add_tenant(TenantRecord("acme", True, 123, limits))
    assert await store.accounts.get_tenant("acme") == TenantRecord("acme", True, 123, limits)
    with pytest.raises(ConflictError):
        await store.accounts.add_tenant(TenantRecord("acme", True, 1))
    updated = await store.accounts.update_tenant("acme", enabled=False)
    assert (updated.enabled, updated.limits) == (False, limits)
    cleared = await store.accounts.update_tenant("acme", limits=Limits())
    assert (cleared.enabled, cleared.limits) == (False, Limits())
    assert [t.name for t in await store.accounts.list_tenants()] == ["acme", "default"]
    with pytest.raises(NotFoundError):
        await store.accounts.update_tenant("nowhere", enabled=True)


async def test_credentials_round_trip_and_change(store: Store) -> None:
    record = replace(
        new_credential(name="LMS", tenant="default", scopes=("statements/write",)).record,
        limits=Limits(rate_per_second=1.0),
    )
    await store.accounts.add_credential(record)
    assert await store.accounts.get_credential(record.key) == record
    with pytest.raises(ConflictError):
        await store.accounts.add_credential(record)
    other = new_credential(name="BI", tenant="t2").record
    await store.accounts.add_credential(other)
    assert [c.key for c in await store.accounts.list_credentials("default")] == [record.key]
    assert {c.key for c in await store.accounts.list_credentials()} == {record.key, other.key}
    changed = await store.accounts.update_credential(
        record.key,
        CredentialChanges(enabled=False, scopes=("all",), name="LMS 2", limits=Limits(burst=3)),
    )
    assert (changed.enabled, changed.scopes, changed.name) == (False, ("all",), "LMS 2")
    assert changed.limits == Limits(burst=3)
    assert changed.secret_hash == record.secret_hash
    with pytest.raises(NotFoundError):
        await store.accounts.update_credential("missing", CredentialChanges(enabled=True))


async def test_touch_never_moves_last_used_backwards(store: Store) -> None:
    record = new_credential(name="x").record
    await store.accounts.add_credential(record)
    await store.accounts.touch_credentials({record.key: 2000, "unknown-key": 5})
    await store.accounts.touch_credentials({record.key: 1000})
    found = await store.accounts.get_credential(record.key)
    assert found is not None
    assert found.last_used_ms == 2000


async def test_authority_is_an_index_key(store: Store) -> None:
    """AU-5: `statements/read/mine` is an index lookup on the authority key."""
    mine = {"objectType": "Agent", "account": {"homePage": "http://lrs", "name": "k1"}}
    theirs = {"objectType": "Agent", "account": {"homePage": "http://lrs", "name": "k2"}}
    [own] = await put(store, statement(), authority=mine)
    await put(store, statement(), authority=theirs)
    page = await store.statements.query_statements(
        "t1", StatementQuery(authority="account:http://lrs|k1")
    )
    assert len(page.bodies) == 1
    assert own.encode() in page.bodies[0]

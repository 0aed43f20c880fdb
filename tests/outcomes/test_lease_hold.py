"""A process's hold on a tenant's lease (service.outcomes.lease) on a real store: pages start
only while it is held, commit only if it was held without a break, and a clean stop hands it
over at once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from service.outcomes.lease import TenantLease, lease_name
from service.store.sqlite import SQLiteStore

TERM = 0.4  # seconds; the waits below outlast it, nothing is timed


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SQLiteStore]:
    opened = SQLiteStore(tmp_path / "lrs.sqlite3")
    await opened.open()
    yield opened
    await opened.close()


async def test_a_hold_renews_past_half_its_term_and_confirms_the_page(store: SQLiteStore) -> None:
    mine = TenantLease(store.leases, "t", "a", TERM)
    assert await mine.keep()
    assert mine.taken_afresh
    mine.taken_afresh = False
    await asyncio.sleep(TERM * 0.6)  # past half the term: the next check renews
    assert await mine.confirm()
    assert not mine.taken_afresh  # a renewal, no new tenure
    lease = await store.leases.read_lease(lease_name("t"))
    assert lease is not None
    assert lease.held_by("a")
    assert lease.generation == 1


async def test_a_page_outlasting_the_lease_is_not_committed(store: SQLiteStore) -> None:
    mine = TenantLease(store.leases, "t", "a", TERM)
    assert await mine.keep()
    await asyncio.sleep(TERM + 0.1)  # the page took longer than the term: "b" took over
    assert (await store.leases.acquire_lease(lease_name("t"), "b", 60_000)).held_by("b")
    assert not await mine.confirm()
    assert not mine.held
    assert not await mine.keep()  # and no new page starts while "b" holds it


async def test_a_lease_that_expired_unused_is_taken_afresh_but_the_page_dropped(
    store: SQLiteStore,
) -> None:
    mine = TenantLease(store.leases, "t", "a", TERM)
    assert await mine.keep()
    mine.taken_afresh = False
    await asyncio.sleep(TERM + 0.1)  # expired: someone could have held it meanwhile
    assert not await mine.confirm()
    assert mine.held  # taken again, as a new tenure: state is read again before a page
    assert mine.taken_afresh


async def test_a_waiting_process_takes_a_released_lease_without_waiting_out_the_term(
    store: SQLiteStore,
) -> None:
    holder = TenantLease(store.leases, "t", "a", 5.0)
    waiting = TenantLease(store.leases, "t", "b", 5.0)
    assert await holder.keep()
    assert not await waiting.keep()
    await holder.release()
    assert not await waiting.keep()  # it looks again only a tenth of the term later
    await asyncio.sleep(0.6)  # well before the released term would have ended
    assert await waiting.keep()
    assert waiting.held


async def test_without_a_lease_store_every_page_may_run(store: SQLiteStore) -> None:
    alone = TenantLease(None, "t", "a", TERM)
    assert await alone.keep()
    assert await alone.confirm()
    assert alone.held
    assert await store.leases.read_lease(lease_name("t")) is None

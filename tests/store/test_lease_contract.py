"""The EvaluationLeaseStore contract on every adapter: one holder per lease at a time, across
processes (several stores opened on one database stand for them), taken over once it expires."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from pathlib import Path

import pytest

from service.store.factory import make_store
from service.store.ports import Store
from tests.conftest import make_settings

TTL_MS = 60_000
SHORT_MS = 300  # a lease left to expire: the tests wait this long, no timing is asserted


@pytest.fixture
async def stores(store_url: str, tmp_path: Path) -> AsyncIterator[list[Store]]:
    """Four stores on one database, as four processes would open it."""
    async with AsyncExitStack() as stack:
        opened = []
        for _ in range(4):
            store = make_store(make_settings(tmp_path, store_url=store_url))
            await store.open()
            stack.push_async_callback(store.close)
            opened.append(store)
        yield opened


async def test_a_free_lease_is_taken_and_renewed_by_its_holder(stores: list[Store]) -> None:
    one, _, _, _ = stores
    assert await one.leases.read_lease("outcomes/acme") is None
    first = await one.leases.acquire_lease("outcomes/acme", "a", TTL_MS)
    assert first.held_by("a")
    assert (first.name, first.generation) == ("outcomes/acme", 1)
    assert 0 < first.remaining_ms <= TTL_MS
    renewed = await one.leases.acquire_lease("outcomes/acme", "a", TTL_MS)
    assert renewed.held_by("a")
    assert renewed.generation == first.generation  # a renewal is no new tenure
    read = await one.leases.read_lease("outcomes/acme")
    assert read is not None
    assert read.held_by("a")
    assert read.generation == 1


async def test_a_held_lease_is_refused_to_another_holder(stores: list[Store]) -> None:
    one, two, _, _ = stores
    await one.leases.acquire_lease("outcomes/acme", "a", TTL_MS)
    refused = await two.leases.acquire_lease("outcomes/acme", "b", TTL_MS)
    assert refused.holder == "a"
    assert not refused.held_by("b")
    assert 0 < refused.remaining_ms <= TTL_MS  # how long b would wait at most
    assert refused.generation == 1
    other = await two.leases.acquire_lease("outcomes/beta", "b", TTL_MS)  # its own lease
    assert other.held_by("b")


async def test_an_expired_lease_is_taken_over_and_its_old_holder_cannot_renew(
    stores: list[Store],
) -> None:
    one, two, _, _ = stores
    await one.leases.acquire_lease("outcomes/acme", "a", SHORT_MS)  # then "a" dies
    await asyncio.sleep(SHORT_MS / 1000 + 0.1)
    expired = await two.leases.read_lease("outcomes/acme")
    assert expired is not None
    assert expired.holder == "a"
    assert not expired.held_by("a")
    taken = await two.leases.acquire_lease("outcomes/acme", "b", TTL_MS)
    assert taken.held_by("b")
    assert taken.generation == 2
    late = await one.leases.acquire_lease("outcomes/acme", "a", TTL_MS)  # "a" wakes up
    assert late.holder == "b"
    assert not late.held_by("a")


async def test_a_holder_taking_its_own_expired_lease_again_starts_a_new_generation(
    stores: list[Store],
) -> None:
    one, _, _, _ = stores
    await one.leases.acquire_lease("outcomes/acme", "a", SHORT_MS)
    await asyncio.sleep(SHORT_MS / 1000 + 0.1)
    again = await one.leases.acquire_lease("outcomes/acme", "a", TTL_MS)
    assert again.held_by("a")
    assert again.generation == 2  # someone else could have held it meanwhile


async def test_a_released_lease_is_free_at_once(stores: list[Store]) -> None:
    one, two, _, _ = stores
    await one.leases.acquire_lease("outcomes/acme", "a", TTL_MS)
    await two.leases.release_lease("outcomes/acme", "b")  # not b's: nothing changes
    assert not (await two.leases.acquire_lease("outcomes/acme", "b", TTL_MS)).held_by("b")
    await one.leases.release_lease("outcomes/acme", "a")
    taken = await two.leases.acquire_lease("outcomes/acme", "b", TTL_MS)
    assert taken.held_by("b")
    assert taken.generation == 2


@pytest.mark.parametrize("existing", [False, True], ids=["new", "expired"])
async def test_concurrent_acquires_exactly_one_wins(stores: list[Store], existing: bool) -> None:
    """Processes racing for a lease never created, or one whose holder died: one takes it."""
    if existing:
        await stores[0].leases.acquire_lease("outcomes/acme", "dead", SHORT_MS)
        await asyncio.sleep(SHORT_MS / 1000 + 0.1)
    for round_ in range(5):
        name = f"outcomes/race-{round_}" if not existing else "outcomes/acme"
        contenders = [
            store.leases.acquire_lease(name, f"h{round_}-{i}-{j}", TTL_MS)
            for i, store in enumerate(stores)
            for j in range(3)
        ]
        answers = await asyncio.gather(*contenders)
        winners = {answer.holder for answer in answers if answer.held_by(answer.holder)}
        (winner,) = {answer.holder for answer in answers}  # every answer names the same one
        assert winners == {winner}
        assert sum(1 for i, a in enumerate(answers) if a.holder == _holder(round_, i)) == 1
        if existing:
            await stores[0].leases.release_lease(name, winner)


def _holder(round_: int, index: int) -> str:
    return f"h{round_}-{index // 3}-{index % 3}"

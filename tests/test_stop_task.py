"""Background loops stop even when a library swallows a cancellation (a shutdown that hung on
MongoDB: the forwarding sender went on polling after its one cancellation was lost)."""

from __future__ import annotations

import asyncio

import pytest

from service.model.tasks import stop_task

pytestmark = pytest.mark.asyncio


async def test_a_loop_whose_first_cancellation_is_swallowed_still_stops() -> None:
    polls = 0
    swallowed = asyncio.Event()

    async def operation() -> None:
        if swallowed.is_set():
            return
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            swallowed.set()  # as a library may: its operation ended, the caller carries on

    async def loop() -> None:
        nonlocal polls
        while True:
            polls += 1
            await operation()
            await asyncio.sleep(1)

    task = asyncio.create_task(loop())
    await asyncio.sleep(0.05)
    assert await asyncio.wait_for(stop_task(task), 5) is None
    assert swallowed.is_set()
    assert task.cancelled()
    assert polls == 1


async def test_how_a_task_ended_is_returned() -> None:
    async def fails() -> None:
        raise RuntimeError("broke")

    task = asyncio.create_task(fails())
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    ended = await stop_task(task)
    assert isinstance(ended, RuntimeError)
    done = asyncio.create_task(asyncio.sleep(0))
    await done
    assert await stop_task(done) is None

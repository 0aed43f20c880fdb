"""Stopping background tasks for sure."""

from __future__ import annotations

import asyncio

_RECANCEL_SECONDS = 0.1


async def stop_task(task: asyncio.Task[None]) -> BaseException | None:
    """Cancel the task until it has ended, and return how it ended (None when it was
    cancelled or returned).

    One cancellation is not always enough: Python 3.11's `asyncio.wait_for` swallows one that
    arrives as its timeout fires (the task's own or one inside PyMongo), the task carries on,
    and a loop that then sleeps or waits would never end, so a shutdown would hang.
    """
    while not task.done():
        task.cancel()
        await asyncio.wait({task}, timeout=_RECANCEL_SECONDS)
    if task.cancelled():
        return None
    return task.exception()

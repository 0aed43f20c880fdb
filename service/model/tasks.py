"""Stopping background tasks for sure."""

from __future__ import annotations

import asyncio

_RECANCEL_SECONDS = 0.1


async def stop_task(task: asyncio.Task[None]) -> BaseException | None:
    """Cancel the task until it has ended, and return how it ended (None when it was
    cancelled or returned).

    One cancellation is not always enough: a library may take it as the end of one of its own
    operations and carry on (PyMongo's asynchronous pool can), and a loop that then sleeps or
    waits would never end, so a shutdown would hang.
    """
    while not task.done():
        task.cancel()
        await asyncio.wait({task}, timeout=_RECANCEL_SECONDS)
    if task.cancelled():
        return None
    return task.exception()

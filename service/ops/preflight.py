"""Fail fast: open and close the configured store before the server binds its port."""

from __future__ import annotations

import asyncio

from service.settings import Settings
from service.store.factory import make_store


async def _open_and_close(settings: Settings) -> None:
    store = make_store(settings)
    await store.open()
    await store.close()


def store_problem(settings: Settings) -> str | None:
    """Why the configured store cannot be used (bad URL, unreachable, unwritable), or None."""
    try:
        asyncio.run(_open_and_close(settings))
    except Exception as exc:
        return str(exc) or type(exc).__name__
    return None

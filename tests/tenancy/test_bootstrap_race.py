"""Processes sharing a store start at once (several hosts, or pods scaled up together): each
finds no bootstrap credential, and all of them must still start (AU-1)."""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack

from service.app import create_app
from service.runtime import Runtime
from service.settings import Settings
from tests.conftest import KEY


async def test_processes_starting_together_share_one_bootstrap_credential(
    settings: Settings,
) -> None:
    apps = [create_app(settings) for _ in range(3)]
    async with AsyncExitStack() as stack:
        await asyncio.gather(
            *(stack.enter_async_context(app.router.lifespan_context(app)) for app in apps)
        )
        runtime: Runtime = apps[0].state.runtime
        credentials = await runtime.store.accounts.list_credentials()
    assert [c.key for c in credentials] == [KEY]

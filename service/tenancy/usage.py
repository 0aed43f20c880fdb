"""Credential last-used times, recorded in memory and written in batches (not once per request)."""

from __future__ import annotations

import asyncio
import logging

from service.model.clock import now_ms
from service.model.tasks import stop_task
from service.store.ports import AccountStore

log = logging.getLogger("service.usage")


class UsageRecorder:
    """Remembers when each credential was last used; `run` writes them every `interval` seconds.

    So a credential's `last_used` is written at most once per interval, in one store call for
    every credential used meanwhile.
    """

    def __init__(self, store: AccountStore, interval: float) -> None:
        self._store = store
        self._interval = interval
        self._pending: dict[str, int] = {}
        self._task: asyncio.Task[None] | None = None

    def seen(self, key: str) -> None:
        """Note a use of the credential now; a dict write, nothing else."""
        self._pending[key] = now_ms()

    async def flush(self) -> None:
        """Write every pending last-used time in one store call."""
        if not self._pending:
            return
        pending, self._pending = self._pending, {}
        try:
            await self._store.touch_credentials(pending)
        except Exception:
            log.exception("could not record credential use")
            for key, ms in pending.items():
                self._pending.setdefault(key, ms)

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="credential-usage")

    async def stop(self) -> None:
        """Stop the loop and write what is pending."""
        if self._task is not None:
            await stop_task(self._task)
            self._task = None
        await self.flush()

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self._interval)
            await self.flush()

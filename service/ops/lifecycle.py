"""Shutdown hooks: work that must finish before the store closes (e.g. flushing the outbox)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence

from service.ops.logging import log_event

ShutdownHook = Callable[[], Awaitable[None]]

log = logging.getLogger("service.ops")


async def run_shutdown_hooks(hooks: Sequence[ShutdownHook]) -> None:
    """Run every hook in order; a failing hook is logged and does not stop the others."""
    for hook in hooks:
        try:
            await hook()
        except Exception as exc:
            name = getattr(hook, "__qualname__", repr(hook))
            log_event(log, "shutdown.hook_failed", level=logging.ERROR, hook=name, error=str(exc))

"""The scheduled retention run inside the service: every tenant's policy, at an interval."""

from __future__ import annotations

import asyncio
import logging
import socket

from service.model.tasks import stop_task
from service.ops.logging import log_event
from service.store.ports import AuditStore, RetentionStore
from service.tenancy.admin.actor import AdminActor
from service.tenancy.admin.retention import OnDeleted, run_all

log = logging.getLogger("service.retention")
FIRST_RUN_SECONDS = 60.0  # after start, so a restart loop does not delete in a hurry


class RetentionScheduler:
    """Runs `run_all` every `interval` seconds (the first after at most a minute); each run is
    audited as `service:retention`. Failures are logged and retried at the next interval."""

    def __init__(
        self,
        store: RetentionStore,
        audit: AuditStore,
        interval: float,
        on_deleted: OnDeleted | None = None,
    ) -> None:
        self._store = store
        self._interval = interval
        self._on_deleted = on_deleted
        self._actor = AdminActor(
            name="service:retention", audit=audit, source=f"service@{socket.gethostname()}"
        )
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run(), name="retention")

    async def stop(self) -> None:
        if self._task is not None:
            await stop_task(self._task)

    async def _run(self) -> None:
        await asyncio.sleep(min(FIRST_RUN_SECONDS, self._interval))
        while True:
            try:
                for run in await run_all(self._store, self._actor, self._on_deleted):
                    if run.statements:
                        log_event(
                            log,
                            "retention.deleted",
                            tenant=run.tenant,
                            statements=run.statements,
                            cutoff_ms=run.cutoff_ms,
                        )
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("the scheduled retention run failed; retrying at the next interval")
            await asyncio.sleep(self._interval)

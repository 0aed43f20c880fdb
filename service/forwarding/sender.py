"""The background sender: delivers each target's outbox in `stored` order, at least once."""

from __future__ import annotations

import asyncio
import logging
import random
import secrets
import time
from collections.abc import Callable

import httpx

from service.forwarding.addresses import AddressPolicy
from service.forwarding.delivery import deliver
from service.forwarding.transport import guarded_client
from service.model.clock import now_ms
from service.model.forwarding import DeliveryOutcome, ForwardTarget, OutboxBatch
from service.model.tasks import stop_task
from service.ops.config import mask_url
from service.settings import ForwardingSettings
from service.store.ports import OutboxStore, StatementStore

log = logging.getLogger("service.forwarding")


def backoff_ms(config: ForwardingSettings, failures: int) -> int:
    """Exponential back-off, capped, with ±20 % jitter so targets do not retry in lockstep."""
    delay = min(config.retry_base_seconds * 2 ** min(failures, 30), config.retry_max_seconds)
    return int(delay * random.uniform(0.8, 1.2) * 1000)


def lease_ms(config: ForwardingSettings) -> int:
    """How long a claimed batch stays with one sender: three timeouts and some slack."""
    return int((config.timeout_seconds * 3 + 5) * 1000)


class ForwardingSender:
    """One loop per process; each target is leased to one sender at a time (any process).

    Ingest only writes outbox rows; nothing here runs inside a request, so a slow or failing
    downstream never slows or fails ingest.
    """

    def __init__(
        self,
        store: OutboxStore,
        statements: StatementStore,
        config: ForwardingSettings,
        client: httpx.AsyncClient | None = None,
    ) -> None:
        self._store = store
        self._statements = statements  # the attachments a batch's statements refer to
        self._config = config
        self._client = client
        self._owns_client = client is None
        self._owner = secrets.token_hex(8)
        self._task: asyncio.Task[None] | None = None
        self._inflight: dict[int, asyncio.Task[None]] = {}
        self.on_failure: Callable[[str], None] | None = None  # gets "tenant/target" (metrics)

    def start(self) -> None:
        if self._client is None:
            policy = AddressPolicy.from_setting(self._config.allowed_networks)
            self._client = guarded_client(policy, self._config.timeout_seconds)
        self._task = asyncio.create_task(self._run(), name="forwarding-sender")

    async def stop(self) -> None:
        """Stop polling and abandon attempts in flight; their rows stay in the outbox."""
        tasks = [t for t in (self._task, *self._inflight.values()) if t is not None]
        await asyncio.gather(*(stop_task(task) for task in tasks))
        self._task = None
        self._inflight.clear()
        if self._owns_client and self._client is not None:
            await self._client.aclose()
            self._client = None

    async def _run(self) -> None:
        while True:
            try:
                await self.poll()
            except Exception:
                log.exception("forwarding poll failed")
            await asyncio.sleep(self._config.poll_seconds)

    async def poll(self) -> None:
        """Start a delivery for every due target that has none running."""
        for target in await self._store.due_forward_targets(now_ms()):
            assert target.id is not None
            if target.id not in self._inflight:
                self._inflight[target.id] = asyncio.create_task(self._deliver(target.id))

    async def _deliver(self, target_id: int) -> None:
        try:
            await self._deliver_once(target_id)
        except Exception:
            log.exception("forwarding to target %s failed unexpectedly", target_id)
        finally:
            self._inflight.pop(target_id, None)

    async def _deliver_once(self, target_id: int) -> None:
        config = self._config
        batch = await self._store.claim_forward_batch(
            target_id,
            owner=self._owner,
            now_ms=now_ms(),
            lease_ms=lease_ms(config),
            limit=config.batch_size,
        )
        if batch is None or self._client is None:
            return
        deadline = time.monotonic() + lease_ms(config) / 1000 - config.timeout_seconds - 1
        attempt = await deliver(self._client, batch, self._statements.get_attachments, deadline)
        outcome = self._outcome(batch, attempt.delivered, attempt.error)
        await self._store.finish_forward_batch(
            target_id, owner=self._owner, now_ms=now_ms(), outcome=outcome
        )

    def _outcome(self, batch: OutboxBatch, delivered: int, error: str | None) -> DeliveryOutcome:
        ids = [item.outbox_id for item in batch.items]
        if error is None:
            return DeliveryOutcome(delivered=ids[:delivered])
        _log_failure(batch.target, batch.items[delivered].statement_id, error)
        if self.on_failure is not None:
            self.on_failure(f"{batch.target.tenant}/{batch.target.name}")
        return DeliveryOutcome(
            delivered=ids[:delivered],
            failed=ids[delivered],
            error=error,
            retry_at_ms=now_ms() + backoff_ms(self._config, batch.failures),
            max_attempts=self._config.max_attempts,
        )


def _log_failure(target: ForwardTarget, statement_id: str, error: str) -> None:
    log.warning(
        "forwarding to %s (%s, tenant %s) failed at statement %s: %s",
        target.name,
        mask_url(target.url),
        target.tenant,
        statement_id,
        error,
    )

"""The outcome engine: evaluates each tenant's statements in `seq` order, in the background.

Consistency model: a request's statements are acknowledged once durably stored; the tenant's
worker is then woken and evaluates everything stored after its cursor, page by page. Each page's
evidence, attainments and new cursor commit in one transaction, so a crash loses nothing: at
start every tenant with a map resumes after its last evaluated `seq` (these commits skip the
fsync; one lost in a power cut takes its cursor with it). The request hands its stored
statements over in memory (see handoff), so a page is read back from the store only for
statements the worker does not hold, and the worker evaluates at most every
`COALESCE_SECONDS`, so consecutive batches share one pass. A new map version is
evaluated from the first statement by the same worker, one page at a time interleaved with the
current version's pages, and replaces the current version once it has caught up; ingest never
waits for it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from schemas.outcomes import OutcomeMap
from service.model.outcomes import DEFAULT_MAP, MapVersion
from service.model.statements import NewStatement
from service.outcomes.compile import CompiledMap
from service.outcomes.handoff import Handoff
from service.outcomes.step import StepContext, run_step
from service.store.ports import OutcomeEvaluationStore, StatementStore

log = logging.getLogger("service.outcomes")
PAGE_SIZE = 500
HANDOFF_LIMIT = 4 * PAGE_SIZE  # statements held in memory per tenant until evaluated
COALESCE_SECONDS = 0.05  # after a pass, wait up to this long (less once a page is held)
_RETRY_SECONDS = 1.0


@dataclass(frozen=True, slots=True)
class ActiveMap:
    """The version queries answer from, with its compiled form."""

    version: MapVersion
    compiled: CompiledMap


class OutcomeEngine:
    """One background worker per tenant with a map; see the module docstring."""

    def __init__(
        self,
        store: OutcomeEvaluationStore,
        statements: StatementStore,
        home_page: str,
        page_size: int = PAGE_SIZE,
        coalesce_seconds: float = COALESCE_SECONDS,
    ) -> None:
        self._store = store
        self._statements = statements
        self._home_page = home_page
        self.page_size = page_size
        self.coalesce_seconds = coalesce_seconds
        self._workers: dict[str, _TenantWorker] = {}
        self._compiled: dict[tuple[str, int], CompiledMap] = {}
        self.on_step: Callable[[float], None] | None = None  # seconds of each step (metrics)

    async def start(self) -> None:
        """Resume every tenant's evaluation after its last evaluated statement."""
        for tenant in await self._store.outcome_tenants():
            self._worker(tenant).wake()

    async def stop(self) -> None:
        workers, self._workers = list(self._workers.values()), {}
        for worker in workers:
            await worker.cancel()

    def notify(self, tenant: str, statements: Iterable[NewStatement] = ()) -> None:
        """Statements were stored for the tenant: evaluate them soon (never blocks).

        The stored statements are handed over in memory, so evaluation need not read them back.
        """
        worker = self._workers.get(tenant)
        if worker is not None:
            worker.handoff.add(statements)
            worker.wake()

    async def install_map(
        self, tenant: str, outcome_map: OutcomeMap, name: str = DEFAULT_MAP
    ) -> MapVersion:
        """Store a new version of the tenant's map `name` and start its evaluation over the
        tenant's history."""
        document = outcome_map.model_dump(mode="json", exclude_none=True)
        version = await self._store.add_outcome_map(tenant, document, name)
        worker = self._worker(tenant)
        worker.reload = True
        worker.wake()
        return version

    async def versions(self, tenant: str) -> list[MapVersion]:
        return await self._store.list_outcome_maps(tenant)

    async def active(self, tenant: str, name: str = DEFAULT_MAP) -> ActiveMap | None:
        """The current version of the map `name` (its newest evaluated one), or None before
        the first catches up."""
        versions = await self.versions(tenant)
        current = [v for v in versions if v.status == "current" and v.name == name]
        if not current:
            return None
        return ActiveMap(current[-1], self.compiled(tenant, current[-1]))

    async def progress(self, tenant: str) -> list[dict[str, Any]]:
        """Evaluation progress of the versions not retired: evaluated and pending statements."""
        out = []
        for version in await self.versions(tenant):
            if version.status == "retired":
                continue
            pending = await self._store.count_statements_after(tenant, version.cursor)
            total = version.evaluated + pending
            out.append(
                {
                    "name": version.name,
                    "version": version.number,
                    "status": version.status,
                    "evaluated_statements": version.evaluated,
                    "pending_statements": pending,
                    "progress": round(version.evaluated / total, 4) if total else 1.0,
                }
            )
        return out

    def compiled(self, tenant: str, version: MapVersion) -> CompiledMap:
        key = (tenant, version.version)
        found = self._compiled.get(key)
        if found is None:
            found = CompiledMap(OutcomeMap.model_validate(version.document))
            self._compiled[key] = found
        return found

    def _worker(self, tenant: str) -> _TenantWorker:
        worker = self._workers.get(tenant)
        if worker is None:
            worker = self._workers[tenant] = _TenantWorker(self, tenant)
        return worker

    async def _drain(self, worker: _TenantWorker) -> None:
        """Evaluate until every live version has caught up, a page per version in turn.

        A short page means the version had caught up when it was read; statements stored
        since then woke the worker again, so the next drain picks them up.
        """
        tenant = worker.tenant
        busy = True
        while busy or worker.reload:
            if worker.reload:
                worker.reload = False
                worker.versions = [v for v in await self.versions(tenant) if v.status != "retired"]
                worker.cursors = {v.version: v.cursor for v in worker.versions}
            busy = False
            for version in worker.versions:
                page = await self._store.read_statements_after(
                    tenant, worker.cursors[version.version], self.page_size, worker.handoff.known()
                )
                if page:
                    context = StepContext(
                        self._store,
                        self._statements,
                        tenant,
                        version.version,
                        self.compiled(tenant, version),
                        self._home_page,
                        worker.handoff.statement,
                    )
                    started = time.perf_counter()
                    emitted = await run_step(context, page)
                    if self.on_step is not None:
                        self.on_step(time.perf_counter() - started)
                    worker.cursors[version.version] = page[-1].seq
                    busy = busy or emitted or len(page) == self.page_size
                if len(page) < self.page_size and version.status == "evaluating":
                    await self._store.promote_outcome_map(tenant, version.version)
                    log.info("outcome map version %s of %s is current", version.version, tenant)
                    worker.reload = True
            worker.handoff.forget_through(min(worker.cursors.values(), default=0))


class _TenantWorker:
    """A task that drains one tenant whenever woken; errors are logged and retried."""

    def __init__(self, engine: OutcomeEngine, tenant: str) -> None:
        self.engine = engine
        self.tenant = tenant
        self.reload = True
        self.versions: list[MapVersion] = []
        self.cursors: dict[int, int] = {}
        self.handoff = Handoff(HANDOFF_LIMIT)
        self._wake = asyncio.Event()
        self._full = asyncio.Event()  # a page's worth is held: no reason to wait any longer
        self._task = asyncio.get_running_loop().create_task(self._run(), name=f"outcomes-{tenant}")

    def wake(self) -> None:
        self._wake.set()
        if len(self.handoff) >= self.engine.page_size:
            self._full.set()

    async def cancel(self) -> None:
        """Cancel until the task ends: Python 3.11's `wait_for` swallows a cancellation that
        arrives as its timeout fires, and the task would wait for a wake-up for ever."""
        while not self._task.done():
            self._task.cancel()
            await asyncio.wait({self._task}, timeout=0.5)
        with contextlib.suppress(asyncio.CancelledError):
            await self._task

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            try:
                await self.engine._drain(self)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("outcome evaluation of tenant %s failed; retrying", self.tenant)
                await asyncio.sleep(_RETRY_SECONDS)
                self._wake.set()
            self._full.clear()  # batches stored in the next moments share the next pass
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._full.wait(), self.engine.coalesce_seconds)

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
waits for it. Statements deleted by retention or erasure have their evidence retracted
(`retract`) between two pages, never while a page is read and evaluated, so a page read
before the deletion cannot bring their evidence back.

Several processes may share the store: a tenant's backlog is evaluated only by the process
holding the tenant's lease (see lease), which checks it before every page. Every
`lease_seconds / 10` each engine looks for tenants with a map (installed by any process); the
holder then reads the map versions and the backlog again (statements stored by other processes
wake nobody here), and the others ask for the lease once its term may be over, so they take
over within about `lease_seconds` of the holder's death.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any

from schemas.outcomes import OutcomeMap
from service.model.outcomes import DEFAULT_MAP, MapVersion, SeqStatement
from service.model.statements import NewStatement
from service.ops.logging import log_event
from service.outcomes.compile import CompiledMap
from service.outcomes.handoff import Handoff
from service.outcomes.lease import LeaseLostError, TenantLease, holder_id
from service.outcomes.step import StepContext, parse_body, retract_step, run_step
from service.store.ports import EvaluationLeaseStore, OutcomeEvaluationStore, StatementStore

log = logging.getLogger("service.outcomes")
PAGE_SIZE = 500
HANDOFF_LIMIT = 4 * PAGE_SIZE  # statements held in memory per tenant until evaluated
COALESCE_SECONDS = 0.05  # after a pass, wait up to this long (less once a page is held)
LEASE_SECONDS = 10.0  # a holder that stops renewing is taken over after this long
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
        leases: EvaluationLeaseStore | None = None,
        lease_seconds: float = LEASE_SECONDS,
    ) -> None:
        """Without `leases` this engine evaluates every tenant (it must be the only one)."""
        self._store = store
        self._statements = statements
        self._home_page = home_page
        self.page_size = page_size
        self.coalesce_seconds = coalesce_seconds
        self._leases = leases
        self.lease_seconds = lease_seconds
        self.holder = holder_id()
        self._workers: dict[str, _TenantWorker] = {}
        self._watch: asyncio.Task[None] | None = None
        self._compiled: dict[tuple[str, int], CompiledMap] = {}
        self.on_step: Callable[[float], None] | None = None  # seconds of each step (metrics)

    async def start(self) -> None:
        """Resume every tenant's evaluation after its last evaluated statement (never waits
        for a lease: the workers take them)."""
        for tenant in await self._store.outcome_tenants():
            self._worker(tenant).wake()
        if self._leases is not None:
            self._watch = asyncio.get_running_loop().create_task(
                self._look_around(), name="outcomes-leases"
            )

    async def stop(self) -> None:
        """Stop evaluating and give up the leases held, so another process takes over now."""
        watch, self._watch = self._watch, None
        if watch is not None:
            watch.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watch
        workers, self._workers = list(self._workers.values()), {}
        for worker in workers:
            await worker.cancel()
        for worker in workers:
            try:
                await worker.lease.release()
            except Exception:  # the lease then expires by itself
                log.exception("could not release the outcome lease of tenant %s", worker.tenant)

    @property
    def poll_seconds(self) -> float:
        """How often tenants, map versions and backlogs written by other processes are read."""
        return self.lease_seconds / 10

    async def _look_around(self) -> None:
        """Find tenants with a map (from any process) and wake their workers, periodically."""
        while True:
            await asyncio.sleep(self.poll_seconds)
            try:
                tenants = await self._store.outcome_tenants()
            except Exception:
                log.exception("could not list the tenants with an outcome map")
                continue
            for tenant in tenants:
                self._worker(tenant).look_again()

    def notify(self, tenant: str, statements: Iterable[NewStatement] = ()) -> None:
        """Statements were stored for the tenant: evaluate them soon (never blocks).

        The stored statements are handed over in memory, so evaluation need not read them back.
        """
        worker = self._workers.get(tenant)
        if worker is not None:
            if worker.lease.held:
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

    async def retract(self, tenant: str, statement_ids: list[str]) -> None:
        """Statements of the tenant were deleted: retract their evidence from every live
        version, and the attainments that no longer hold, before the next page is evaluated."""
        if not statement_ids:
            return
        worker = self._workers.get(tenant)
        if worker is None:  # no worker in this process (the command line): nothing to race
            await self._retract(tenant, statement_ids)
            return
        async with worker.evaluating:
            await self._retract(tenant, statement_ids)

    async def _retract(self, tenant: str, statement_ids: list[str]) -> None:
        for version in await self.versions(tenant):
            if version.status != "retired":
                await retract_step(self._context(tenant, version), statement_ids)

    def _context(
        self,
        tenant: str,
        version: MapVersion,
        statement_of: Callable[[SeqStatement], dict[str, Any]] = parse_body,
        may_commit: Callable[[], Awaitable[bool]] | None = None,
    ) -> StepContext:
        return StepContext(
            self._store,
            self._statements,
            tenant,
            version.version,
            self.compiled(tenant, version),
            self._home_page,
            statement_of,
            may_commit,
        )

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
            if not await worker.lease.keep():
                worker.handoff.clear()  # the holder evaluates them
                return
            if worker.lease.taken_afresh:  # another process may have evaluated meanwhile
                worker.lease.taken_afresh = False
                worker.reload = True
            if worker.reload:
                worker.reload = False
                worker.versions = [v for v in await self.versions(tenant) if v.status != "retired"]
                worker.cursors = {v.version: v.cursor for v in worker.versions}
            busy = False
            for version in worker.versions:
                if not await worker.lease.keep():
                    busy = True  # lost: the next turn stops
                    break
                async with worker.evaluating:  # a retraction goes before or after, never during
                    page = await self._store.read_statements_after(
                        tenant,
                        worker.cursors[version.version],
                        self.page_size,
                        worker.handoff.known(),
                    )
                    if page:
                        context = self._context(
                            tenant, version, worker.handoff.statement, worker.lease.confirm
                        )
                        started = time.perf_counter()
                        try:
                            emitted = await run_step(context, page)
                        except LeaseLostError:
                            log_event(log, "outcomes.lease.page_dropped", tenant=tenant)
                            worker.handoff.clear()
                            return
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
        self.lease = TenantLease(engine._leases, tenant, engine.holder, engine.lease_seconds)
        self.evaluating = asyncio.Lock()  # held while a page is read and evaluated
        self._wake = asyncio.Event()
        self._full = asyncio.Event()  # a page's worth is held: no reason to wait any longer
        self._task = asyncio.get_running_loop().create_task(self._run(), name=f"outcomes-{tenant}")

    def wake(self) -> None:
        self._wake.set()
        if len(self.handoff) >= self.engine.page_size:
            self._full.set()

    def look_again(self) -> None:
        """Periodically: the holder reads versions and backlog again, others may take over."""
        if self.lease.held:
            self.reload = True
        self._wake.set()

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

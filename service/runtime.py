"""The long-lived parts of one running service, opened and closed by the app's lifespan."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from service.model.errors import ConflictError
from service.ops.gauges import GaugeSampler
from service.ops.health import ReadinessCheck, standard_checks
from service.ops.lifecycle import ShutdownHook, run_shutdown_hooks
from service.ops.logging import log_event
from service.ops.metrics import Metrics
from service.outcomes.engine import OutcomeEngine
from service.settings import Settings
from service.store.factory import make_store
from service.store.observer import ObservableStore
from service.store.ports import Store
from service.store.sealing import SealedOutbox
from service.tenancy.auth import Authenticator, IssuedCredential, new_credential
from service.tenancy.retention_schedule import RetentionScheduler
from service.tenancy.scopes import EVERY_SCOPE
from service.tenancy.services import TenancyServices, default_limits
from service.tenancy.sso.people import SingleSignOn

log = logging.getLogger("service")


@dataclass
class Runtime:
    settings: Settings
    store: Store
    authenticator: Authenticator
    outcomes: OutcomeEngine | None  # None when the store keeps no outcome state
    generated_credential: IssuedCredential | None = None
    sso: SingleSignOn | None = None  # single sign-on for people, when an OP is configured
    # Operations (issue 7): add readiness checks and shutdown hooks (run before the store closes).
    readiness_checks: dict[str, ReadinessCheck] = field(default_factory=dict)
    shutdown_hooks: list[ShutdownHook] = field(default_factory=list)
    metrics: Metrics = field(init=False)
    gauges: GaugeSampler = field(init=False)  # store-derived gauges, refreshed when scraped
    # Tenancy (issue 5): rate limiter, credential usage, forwarding sender; set by build().
    tenancy: TenancyServices = field(init=False)

    def __post_init__(self) -> None:
        self.metrics = Metrics(self.store.kind)
        self.authenticator.observer = self.metrics
        outcome_stores = self.store.outcomes
        self.gauges = GaugeSampler(
            self.metrics,
            self.store,
            self.store.outbox,
            None if outcome_stores is None else outcome_stores.evaluation,
        )
        if self.outcomes is not None:
            self.outcomes.on_step = self.metrics.evaluation_step
        if isinstance(self.store, ObservableStore):
            self.store.write_observer = self.metrics
        checks = standard_checks(self.store, self.settings.writer_stall_seconds)
        self.readiness_checks = {**checks, **self.readiness_checks}

    @classmethod
    def build(cls, settings: Settings) -> Runtime:
        store = make_store(settings)
        tenancy = TenancyServices.build(settings, store)
        outcome_stores = store.outcomes
        runtime = cls(
            settings=settings,
            store=store,
            authenticator=tenancy.authenticator(settings, store),
            outcomes=None
            if outcome_stores is None
            else OutcomeEngine(
                outcome_stores.evaluation,
                store.statements,
                settings.authority_home_page,
                leases=store.leases,
                lease_seconds=settings.evaluation_lease_seconds,
            ),
        )
        runtime.tenancy = tenancy
        runtime.sso = SingleSignOn.of(
            settings.oidc, store.accounts, store.audit, default_limits(settings)
        )
        return runtime

    async def start(self) -> None:
        """Open the store and start the services; a failure after the store opened closes
        what had started, and the store, before it propagates."""
        await self.store.open()
        try:
            await self._start_services()
        except BaseException:
            if self.authenticator.close not in self.shutdown_hooks:
                self.shutdown_hooks.append(self.authenticator.close)
            await self.stop()
            raise

    async def _start_services(self) -> None:
        await self._seal_secrets()
        await self._bootstrap_credentials()
        await self.tenancy.start()
        self.tenancy.report_to(self.metrics, self.readiness_checks, self.settings, self.store)
        self.shutdown_hooks.append(self.tenancy.stop)  # before the store closes
        if self.outcomes is not None:
            await self.outcomes.start()
            self.shutdown_hooks.append(self.outcomes.stop)
        if self.settings.retention_interval_seconds > 0:
            scheduler = RetentionScheduler(
                self.store.retention,
                self.store.audit,
                self.settings.retention_interval_seconds,
                self.retract_outcome_evidence,
            )
            scheduler.start()
            self.shutdown_hooks.insert(0, scheduler.stop)
        self.shutdown_hooks.append(self.authenticator.close)
        if self.sso is not None:
            self.shutdown_hooks.append(self.sso.close)

    async def stop(self) -> None:
        await run_shutdown_hooks(self.shutdown_hooks)
        await self.store.close()

    async def retract_outcome_evidence(self, tenant: str, statement_ids: list[str]) -> None:
        """Statements were deleted (retention, erasure): retract their outcome evidence and
        the attainments that no longer hold, as a voiding statement would."""
        if self.outcomes is not None:
            await self.outcomes.retract(tenant, statement_ids)

    async def _seal_secrets(self) -> None:
        """Seal forwarding secrets stored in clear (or with a retired key), once per start."""
        outbox = self.store.outbox
        if isinstance(outbox, SealedOutbox):
            resealed = await outbox.reseal()
            if resealed:
                log_event(log, "secrets.sealed", targets=resealed)
            return
        log_event(
            log,
            "secrets.clear",
            level=logging.WARNING,
            reason="no LRS_SECRET_KEY or LRS_SECRET_KEY_FILE: forwarding secrets stay in clear",
        )

    async def _bootstrap_credentials(self) -> None:
        """Create the configured bootstrap credential while no operator credential exists, or
        one generated if no credential exists at all (AU-1).

        Once an operator exists, LRS_BOOTSTRAP_* creates nothing: the bootstrap credential can
        be disabled or deleted (retired) and stays so, whatever the environment still says.
        """
        settings = self.settings
        accounts = self.store.accounts
        if settings.bootstrap_key and settings.bootstrap_secret:
            key = settings.bootstrap_key
            if await accounts.get_credential(key) is not None:
                return
            if any("operator" in c.scopes and c.enabled for c in await accounts.list_credentials()):
                reason = "an operator credential exists: remove LRS_BOOTSTRAP_KEY and _SECRET"
                log_event(log, "bootstrap.skipped", level=logging.WARNING, key=key, reason=reason)
                return
            issued = new_credential(
                name="bootstrap",
                scopes=EVERY_SCOPE,
                key=key,
                secret=settings.bootstrap_secret.get_secret_value(),
            )
            try:
                await accounts.add_credential(issued.record)
            except ConflictError:  # a process sharing the store created it at the same moment
                return
            log.info("created the bootstrap credential %s", key)
            return
        if await accounts.count_credentials() == 0:
            issued = new_credential(name="generated", scopes=EVERY_SCOPE)
            await self.store.accounts.add_credential(issued.record)
            self.generated_credential = issued

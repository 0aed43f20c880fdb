"""The per-process services of issue 5: rate limiter, credential usage, forwarding sender."""

from __future__ import annotations

from dataclasses import dataclass

from service.forwarding.sender import ForwardingSender
from service.model.tenancy import EffectiveLimits
from service.ops.health import ReadinessCheck, depth_check
from service.ops.metrics import Metrics
from service.settings import Settings
from service.store.ports import Store
from service.tenancy.auth import Authenticator
from service.tenancy.ratelimit import RateLimiter
from service.tenancy.signin import SignInThrottle, VerificationPool
from service.tenancy.usage import UsageRecorder


def default_limits(settings: Settings) -> EffectiveLimits:
    """The limits of a credential whose tenant and record override nothing."""
    return EffectiveLimits(
        rate_per_second=settings.rate_limit_per_second,
        burst=settings.rate_limit_burst,
        max_batch_statements=settings.max_batch_statements,
        max_body_bytes=settings.max_body_bytes,
    )


@dataclass
class TenancyServices:
    """Started after the store opens and stopped before it closes, by the Runtime."""

    limiter: RateLimiter
    usage: UsageRecorder
    sender: ForwardingSender | None

    @classmethod
    def build(cls, settings: Settings, store: Store) -> TenancyServices:
        sender = ForwardingSender(store.outbox, store.statements, settings.forwarding)
        return cls(
            limiter=RateLimiter(store.quotas if settings.quota_shared else None),
            usage=UsageRecorder(store.accounts, settings.usage_flush_seconds),
            sender=sender if settings.forwarding.enabled else None,
        )

    def authenticator(self, settings: Settings, store: Store) -> Authenticator:
        return Authenticator(
            store.accounts,
            settings.authority_home_page,
            defaults=default_limits(settings),
            cache_seconds=settings.auth_cache_seconds,
            usage=self.usage,
            throttle=SignInThrottle.of(settings.signin),
            pool=VerificationPool.of(settings.signin),
        )

    def report_to(
        self, metrics: Metrics, checks: dict[str, ReadinessCheck], settings: Settings, store: Store
    ) -> None:
        """Forwarding's failure counter and the `outbox` readiness check (issue 7)."""
        checks["outbox"] = depth_check(
            store.outbox.outbox_depth, settings.outbox_alarm_depth, record=metrics.outbox_depth.set
        )
        if self.sender is not None:
            failures = metrics.forwarding_failures
            self.sender.on_failure = lambda where: failures.labels(destination=where).inc()

    async def start(self) -> None:
        self.usage.start()
        if self.sender is not None:
            self.sender.start()

    async def stop(self) -> None:
        if self.sender is not None:
            await self.sender.stop()
        await self.usage.stop()

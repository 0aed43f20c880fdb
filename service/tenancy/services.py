"""The per-process services of issue 5: rate limiter, credential usage, forwarding sender."""

from __future__ import annotations

from dataclasses import dataclass

from service.forwarding.addresses import parse_networks
from service.forwarding.sender import ForwardingSender, SenderConfig
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


def sender_config(settings: Settings) -> SenderConfig:
    return SenderConfig(
        poll_seconds=settings.forward_poll_seconds,
        batch_size=settings.forward_batch_size,
        timeout_seconds=settings.forward_timeout_seconds,
        retry_base_seconds=settings.forward_retry_base_seconds,
        retry_max_seconds=settings.forward_retry_max_seconds,
        max_attempts=settings.forward_max_attempts,
        allowed_networks=parse_networks(settings.forward_allowed_networks),
    )


@dataclass
class TenancyServices:
    """Started after the store opens and stopped before it closes, by the Runtime."""

    limiter: RateLimiter
    usage: UsageRecorder
    sender: ForwardingSender | None

    @classmethod
    def build(cls, settings: Settings, store: Store) -> TenancyServices:
        sender = ForwardingSender(store.outbox, store.statements, sender_config(settings))
        return cls(
            limiter=RateLimiter(store.quotas if settings.quota_shared else None),
            usage=UsageRecorder(store.accounts, settings.usage_flush_seconds),
            sender=sender if settings.forwarding_enabled else None,
        )

    def authenticator(self, settings: Settings, store: Store) -> Authenticator:
        return Authenticator(
            store.accounts,
            settings.authority_home_page,
            defaults=default_limits(settings),
            cache_seconds=settings.auth_cache_seconds,
            usage=self.usage,
            throttle=SignInThrottle(
                per_key=settings.signin_failures_per_key,
                per_address=settings.signin_failures_per_address,
                window_seconds=settings.signin_failure_window_seconds,
            ),
            pool=VerificationPool(settings.signin_verify_threads, settings.signin_verify_queue),
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

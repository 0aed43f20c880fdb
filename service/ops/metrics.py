"""Prometheus metrics of one app instance: its own registry (tests build many apps)."""

from __future__ import annotations

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    ProcessCollector,
    generate_latest,
)

from service import __version__
from service.ops.context import RequestFacts

SECONDS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
SIZES = (1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500)
REJECTED = frozenset({400, 401, 403, 409, 413, 429})
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH"})
CONTENT_TYPE = CONTENT_TYPE_LATEST


class Metrics:
    """Every metric the service exports; also the store's `WriteObserver` and a `SignInObserver`."""

    def __init__(self, store_kind: str = "unknown") -> None:
        self.registry = r = CollectorRegistry()
        ProcessCollector(registry=r)
        info = Gauge(
            "lrs_build_info", "Build version and store kind.", ["version", "store"], registry=r
        )
        info.labels(__version__, store_kind).set(1)
        route = ["method", "route", "status"]
        self.requests = Counter("lrs_http_requests", "HTTP requests answered.", route, registry=r)
        self.latency = Histogram(
            "lrs_http_request_duration_seconds",
            "Time to answer.",
            route,
            buckets=SECONDS,
            registry=r,
        )
        self.in_flight = Gauge(
            "lrs_http_requests_in_flight", "Requests being answered.", registry=r
        )
        self.rejected = Counter(
            "lrs_http_requests_rejected", "Requests refused, by status.", ["reason"], registry=r
        )
        self.ingested = Counter(
            "lrs_statements_ingested",
            "Statements stored, by tenant and credential key.",
            ["tenant", "credential"],
            registry=r,
        )
        self.batch_size = Histogram(
            "lrs_statement_batch_size", "Statements per write request.", buckets=SIZES, registry=r
        )
        self.write_seconds = Histogram(
            "lrs_store_write_seconds", "Store write transaction time.", buckets=SECONDS, registry=r
        )
        self.commit_jobs = Histogram(
            "lrs_store_group_commit_jobs",
            "Write requests per transaction.",
            buckets=SIZES,
            registry=r,
        )
        self.write_failures = Counter(
            "lrs_store_write_failures", "Write transactions that failed whole.", registry=r
        )
        self.outbox_depth = Gauge(
            "lrs_outbox_depth", "Statements waiting to be forwarded.", registry=r
        )
        self.forwarding_failures = Counter(
            "lrs_forwarding_failures", "Failed forwarding attempts.", ["destination"], registry=r
        )
        self.outcome_seconds = Histogram(
            "lrs_outcome_evaluation_seconds",
            "Outcome map evaluation time.",
            buckets=SECONDS,
            registry=r,
        )
        self.shed = Counter(
            "lrs_http_requests_shed",
            "Requests refused with 503 because a capacity limit was reached, by limit.",
            ["limit"],
            registry=r,
        )
        self.signin_refused = Counter(
            "lrs_signin_refused",
            "Sign-ins refused after a secret check, by reason (unknown_key, wrong_secret).",
            ["reason"],
            registry=r,
        )
        self.signin_throttled = Counter(
            "lrs_signin_throttled",
            "Sign-ins refused with 429 before a secret check, by limit (key, address).",
            ["limit"],
            registry=r,
        )
        self.signin_checks = Histogram(
            "lrs_signin_check_seconds",
            "Secret checks (scrypt) run, and their time.",
            buckets=SECONDS,
            registry=r,
        )
        self.quota_refused = Counter(
            "lrs_quota_refused",
            "Requests refused with 429 for a rate quota, by tenant and credential key.",
            ["tenant", "credential"],
            registry=r,
        )
        self.previous_secret_uses = Counter(
            "lrs_credential_previous_secret_uses",
            "Requests signed in with a rotated-out secret inside its overlap, by credential key.",
            ["tenant", "credential"],
            registry=r,
        )
        self.outcome_backlog = Gauge(
            "lrs_outcome_backlog_statements",
            "Statements stored but not yet evaluated by the tenant's outcome map versions.",
            ["tenant"],
            registry=r,
        )
        self.outcome_lag = Gauge(
            "lrs_outcome_lag_seconds",
            "Seconds since the tenant's outcome evaluation was last seen caught up (0: it is).",
            ["tenant"],
            registry=r,
        )
        self.dead_letters = Gauge(
            "lrs_forwarding_dead_letters",
            "Statements a forwarding target gave up on, by tenant and target.",
            ["tenant", "target"],
            registry=r,
        )
        self.store_size = Gauge(
            "lrs_store_size_bytes", "Bytes the store occupies (data and indexes).", registry=r
        )
        self._children: dict[tuple[str, str, int], tuple[Counter, Histogram]] = {}

    def observe_request(
        self, method: str, route: str, status: int, seconds: float, facts: RequestFacts
    ) -> None:
        """Count one answered request; label values are bounded (unknown methods are `other`)."""
        key = (method if method in METHODS else "other", route, status)
        children = self._children.get(key)
        if children is None:
            labels = (key[0], route, str(status))
            children = (self.requests.labels(*labels), self.latency.labels(*labels))
            self._children[key] = children
        children[0].inc()
        children[1].observe(seconds)
        if status in REJECTED:
            self.rejected.labels(str(status)).inc()
        if facts.statements and status < 300:
            tenant, credential = facts.tenant or "", facts.credential or ""
            self.ingested.labels(tenant, credential).inc(facts.statements)
            self.batch_size.observe(facts.statements)

    def transaction_committed(self, jobs: int, seconds: float) -> None:
        self.write_seconds.observe(seconds)
        self.commit_jobs.observe(jobs)

    def transaction_failed(self, jobs: int) -> None:
        self.write_failures.inc()

    def sign_in_refused(self, reason: str) -> None:
        self.signin_refused.labels(reason).inc()

    def sign_in_throttled(self, limit: str) -> None:
        self.signin_throttled.labels(limit).inc()

    def sign_in_verified(self, seconds: float) -> None:
        self.signin_checks.observe(seconds)

    def previous_secret_used(self, tenant: str, key: str) -> None:
        self.previous_secret_uses.labels(tenant, key).inc()

    def evaluation_step(self, seconds: float) -> None:
        self.outcome_seconds.observe(seconds)

    def exposition(self) -> bytes:
        """The Prometheus text format of every metric."""
        return generate_latest(self.registry)

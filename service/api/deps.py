"""Annotated dependencies that hand each handler what it needs: the storage port of one
capability, the settings, the principal, the outcome engine; never the whole runtime or store.

A capability the configured store lacks (outcomes on MongoDB) answers 501 here, in one place."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any, TypeVar, cast

from fastapi import Depends, Request

from service.api.protocol import VERSION_STATE
from service.model.errors import NotSupportedByStoreError, TooManyRequestsError, UnauthorizedError
from service.ops.context import request_facts
from service.ops.gauges import GaugeSampler
from service.ops.health import ReadinessCheck
from service.ops.metrics import Metrics
from service.outcomes.engine import OutcomeEngine
from service.outcomes.listener import NOBODY, StoredStatementsListener
from service.runtime import Runtime
from service.settings import Settings
from service.statements.service import StatementService
from service.store.ports import (
    AccountStore,
    AuditStore,
    DocumentStore,
    ErasureStore,
    OrgDataStore,
    OutboxStore,
    OutcomeEvaluationStore,
    OutcomeReportStore,
    OutcomeStores,
    StatementStore,
)
from service.tenancy.auth import Principal, claimed_key

Port = TypeVar("Port")
AccessChange = Callable[[str | None, str | None], None]
"""Called with (credential key, tenant) after an admin change to either."""


def runtime_of(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


# Every provider is async so FastAPI calls it inline: a sync one costs a thread-pool round trip.


async def get_statement_store(request: Request) -> StatementStore:
    return runtime_of(request).store.statements


async def get_documents(request: Request) -> DocumentStore:
    return runtime_of(request).store.documents


async def get_accounts(request: Request) -> AccountStore:
    return runtime_of(request).store.accounts


async def get_outbox(request: Request) -> OutboxStore:
    return runtime_of(request).store.outbox


async def get_erasure(request: Request) -> ErasureStore:
    return runtime_of(request).store.erasure


async def get_store_kind(request: Request) -> str:
    return runtime_of(request).store.kind


async def get_settings(request: Request) -> Settings:
    return runtime_of(request).settings


async def get_statements(request: Request) -> StatementService:
    """The statement services over this process's statement port; stored statements go to the
    outcome engine, or to nobody where the store keeps no outcomes."""
    runtime = runtime_of(request)
    listener: StoredStatementsListener = NOBODY if runtime.outcomes is None else runtime.outcomes
    return StatementService(runtime.store.statements, listener, runtime.settings)


async def get_metrics(request: Request) -> Metrics:
    return runtime_of(request).metrics


async def get_gauges(request: Request) -> GaugeSampler:
    return runtime_of(request).gauges


async def get_audit(request: Request) -> AuditStore:
    return runtime_of(request).store.audit


def client_address(request: Request) -> str | None:
    """Where a request came from (uvicorn applies X-Forwarded-For from trusted proxies)."""
    return request.client.host if request.client else None


async def get_readiness_checks(request: Request) -> dict[str, ReadinessCheck]:
    return runtime_of(request).readiness_checks


async def get_access_change(request: Request) -> AccessChange:
    """What makes a credential or tenant change take effect at once in this process."""
    runtime = runtime_of(request)

    def forget(key: str | None, tenant: str | None) -> None:
        runtime.authenticator.forget(key, tenant=tenant)
        if key is not None:
            runtime.tenancy.limiter.forget(key)

    return forget


async def get_version(request: Request) -> str:
    """The negotiated xAPI version of this request (T-1)."""
    version: str = getattr(request.state, VERSION_STATE)
    return version


async def get_principal(request: Request) -> Principal:
    """The authenticated client; 401 otherwise (AU-2)."""
    runtime = runtime_of(request)
    client = request.client.host if request.client else None  # uvicorn applies X-Forwarded-For
    authorization = request.headers.get("authorization")
    facts = request_facts(request.scope)  # for the access log and metrics (issue 7)
    try:
        principal = await runtime.authenticator.authenticate(authorization, client)
    except UnauthorizedError:
        facts.credential = claimed_key(authorization)  # which key failed, never the secret
        raise
    facts.tenant, facts.credential = principal.tenant, principal.key
    try:
        await runtime.tenancy.limiter.check(principal.key, principal.limits)  # 429 + Retry-After
    except TooManyRequestsError:
        runtime.metrics.quota_refused.labels(principal.tenant, principal.key).inc()
        raise
    return principal


class _Lacking:
    """Handed out for a capability the store lacks: its first use answers 501, so the checks a
    handler makes before it (scopes, parameters, bodies) answer first, as with any store."""

    def __init__(self, kind: str) -> None:
        self._name = {"mongodb": "MongoDB"}.get(kind, kind)

    def __getattr__(self, attribute: str) -> Any:
        raise NotSupportedByStoreError(
            f"outcome mapping needs the SQLite store; the {self._name} adapter does not store "
            "outcomes yet"
        )


async def get_outcomes(request: Request) -> OutcomeEngine:
    """The outcome engine; where the store keeps no outcome state, its use answers 501."""
    runtime = runtime_of(request)
    if runtime.outcomes is None:
        return cast(OutcomeEngine, _Lacking(runtime.store.kind))
    return runtime.outcomes


def outcome_port(pick: Callable[[OutcomeStores], Port]) -> Callable[[Request], Awaitable[Port]]:
    """A dependency handing out one outcome port (`pick` chooses it); where the store keeps no
    outcome state, its use answers 501."""

    async def get_port(request: Request) -> Port:
        runtime = runtime_of(request)
        stores = runtime.store.outcomes
        if stores is None:
            return cast(Port, _Lacking(runtime.store.kind))
        return pick(stores)

    return get_port


StatementStoreDep = Annotated[StatementStore, Depends(get_statement_store)]
DocumentsDep = Annotated[DocumentStore, Depends(get_documents)]
AccountsDep = Annotated[AccountStore, Depends(get_accounts)]
OutboxDep = Annotated[OutboxStore, Depends(get_outbox)]
ErasureDep = Annotated[ErasureStore, Depends(get_erasure)]
StoreKindDep = Annotated[str, Depends(get_store_kind)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
OutcomesDep = Annotated[OutcomeEngine, Depends(get_outcomes)]
OutcomeReportsDep = Annotated[OutcomeReportStore, Depends(outcome_port(lambda s: s.reports))]
OrgDataDep = Annotated[OrgDataStore, Depends(outcome_port(lambda s: s.org))]
# the evaluation port, read for learners' evidence
EvidenceDep = Annotated[OutcomeEvaluationStore, Depends(outcome_port(lambda s: s.evaluation))]
StatementsDep = Annotated[StatementService, Depends(get_statements)]
MetricsDep = Annotated[Metrics, Depends(get_metrics)]
AuditDep = Annotated[AuditStore, Depends(get_audit)]
GaugesDep = Annotated[GaugeSampler, Depends(get_gauges)]
ReadinessChecksDep = Annotated[dict[str, ReadinessCheck], Depends(get_readiness_checks)]
AccessChangeDep = Annotated[AccessChange, Depends(get_access_change)]
VersionDep = Annotated[str, Depends(get_version)]
PrincipalDep = Annotated[Principal, Depends(get_principal)]

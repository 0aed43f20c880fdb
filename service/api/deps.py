"""Annotated dependencies that hand each handler what it needs: the store, the settings, the
principal, the outcome engine, never the whole runtime."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request

from service.api.protocol import VERSION_STATE
from service.ops.context import request_facts
from service.ops.health import ReadinessCheck
from service.ops.metrics import Metrics
from service.outcomes.engine import OutcomeEngine
from service.runtime import Runtime
from service.settings import Settings
from service.statements.service import StatementService
from service.store.port import Store
from service.tenancy.auth import Principal

AccessChange = Callable[[str | None, str | None], None]
"""Called with (credential key, tenant) after an admin change to either."""


def runtime_of(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


# Every provider is async so FastAPI calls it inline: a sync one costs a thread-pool round trip.


async def get_store(request: Request) -> Store:
    return runtime_of(request).store


async def get_settings(request: Request) -> Settings:
    return runtime_of(request).settings


async def get_outcomes(request: Request) -> OutcomeEngine:
    return runtime_of(request).outcomes


async def get_statements(request: Request) -> StatementService:
    """The statement services over this process's store and outcome engine."""
    runtime = runtime_of(request)
    return StatementService(runtime.store, runtime.outcomes, runtime.settings)


async def get_metrics(request: Request) -> Metrics:
    return runtime_of(request).metrics


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
    principal = await runtime.authenticator.authenticate(
        request.headers.get("authorization"), client
    )
    facts = request_facts(request.scope)  # for the access log and metrics (issue 7)
    facts.tenant, facts.credential = principal.tenant, principal.name
    runtime.tenancy.limiter.check(principal.key, principal.limits)  # 429 + Retry-After (issue 5)
    return principal


StoreDep = Annotated[Store, Depends(get_store)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
OutcomesDep = Annotated[OutcomeEngine, Depends(get_outcomes)]
StatementsDep = Annotated[StatementService, Depends(get_statements)]
MetricsDep = Annotated[Metrics, Depends(get_metrics)]
ReadinessChecksDep = Annotated[dict[str, ReadinessCheck], Depends(get_readiness_checks)]
AccessChangeDep = Annotated[AccessChange, Depends(get_access_change)]
VersionDep = Annotated[str, Depends(get_version)]
PrincipalDep = Annotated[Principal, Depends(get_principal)]

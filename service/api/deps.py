"""Dependency aliases that hand long-lived resources and request facts to the routers."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from service.api.protocol import VERSION_STATE
from service.ops.context import request_facts
from service.runtime import Runtime
from service.tenancy.auth import Principal


def runtime_of(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


async def get_runtime(request: Request) -> Runtime:
    """Async so FastAPI calls it inline: a sync dependency costs a thread-pool round trip."""
    return runtime_of(request)


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


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
VersionDep = Annotated[str, Depends(get_version)]
PrincipalDep = Annotated[Principal, Depends(get_principal)]

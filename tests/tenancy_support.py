"""Helpers of the tenancy tests: tenants, scoped credentials and clients for them (issue 5)."""

from __future__ import annotations

import base64
import contextlib
from dataclasses import dataclass, replace

import httpx
from fastapi import FastAPI

from service.model.errors import ConflictError
from service.model.tenancy import Limits, TenantRecord
from service.runtime import Runtime
from service.tenancy.auth import new_credential

STATEMENTS = "/xapi/statements"


@dataclass(frozen=True, slots=True)
class Issued:
    key: str
    secret: str
    tenant: str

    @property
    def basic(self) -> str:
        return "Basic " + base64.b64encode(f"{self.key}:{self.secret}".encode()).decode()


def runtime_of(app: FastAPI) -> Runtime:
    runtime: Runtime = app.state.runtime
    return runtime


async def add_tenant(app: FastAPI, name: str, limits: Limits | None = None) -> None:
    """Create the tenant unless it exists."""
    with contextlib.suppress(ConflictError):  # created meanwhile by a concurrent helper
        await runtime_of(app).store.accounts.add_tenant(
            TenantRecord(name, True, 0, limits or Limits())
        )


async def issue(
    app: FastAPI,
    *,
    tenant: str = "default",
    scopes: tuple[str, ...] = ("all",),
    name: str = "platform",
    limits: Limits | None = None,
) -> Issued:
    """A credential stored straight in the app's store (the tenant is created if missing)."""
    await add_tenant(app, tenant)
    issued = new_credential(name=name, tenant=tenant, scopes=scopes)
    record = issued.record if limits is None else replace(issued.record, limits=limits)
    await runtime_of(app).store.accounts.add_credential(record)
    return Issued(issued.key, issued.secret, tenant)


def client(app: FastAPI, who: Issued | None, version: str = "2.0.0") -> httpx.AsyncClient:
    """An httpx client of the in-process app, authenticated as `who` (None: no credentials)."""
    headers = {"X-Experience-API-Version": version}
    if who is not None:
        headers["Authorization"] = who.basic
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://lrs.test", headers=headers
    )

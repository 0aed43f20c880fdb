"""Shared helpers of the document resource HTTP tests (State, Activity Profile, Agent Profile)."""

from __future__ import annotations

import base64
import hashlib
import re
import uuid
from typing import Any

import httpx
import orjson
from fastapi import FastAPI

from service.model.tenancy import TenantRecord
from service.runtime import Runtime
from service.tenancy.auth import new_credential

STATE = "/xapi/activities/state"
ACTIVITY_PROFILE = "/xapi/activities/profile"
AGENT_PROFILE = "/xapi/agents/profile"
ACTIVITY_ID = "http://www.example.com/activityId/hashset"
ETAG = re.compile(r'^"[0-9a-f]{40}"$')
HTTP_DATE = re.compile(r"^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$")


def agent_json(account_name: str = "rick", **extra: Any) -> str:
    """The `agent` parameter: an account Agent serialized as JSON (D-7)."""
    agent: dict[str, Any] = {
        "objectType": "Agent",
        "account": {"homePage": "http://www.example.com/agentId/1", "name": account_name},
    }
    agent.update(extra)
    return orjson.dumps(agent).decode()


def state_params(**overrides: str | None) -> dict[str, str]:
    """Fresh State parameters; an override of None removes that parameter."""
    params: dict[str, str | None] = {
        "activityId": ACTIVITY_ID,
        "agent": agent_json(),
        "stateId": str(uuid.uuid4()),
    }
    params.update(overrides)
    return {k: v for k, v in params.items() if v is not None}


def activity_profile_params(**overrides: str | None) -> dict[str, str]:
    params: dict[str, str | None] = {"activityId": ACTIVITY_ID, "profileId": str(uuid.uuid4())}
    params.update(overrides)
    return {k: v for k, v in params.items() if v is not None}


def agent_profile_params(**overrides: str | None) -> dict[str, str]:
    params: dict[str, str | None] = {"agent": agent_json(), "profileId": str(uuid.uuid4())}
    params.update(overrides)
    return {k: v for k, v in params.items() if v is not None}


def without(params: dict[str, str], *names: str) -> dict[str, str]:
    return {k: v for k, v in params.items() if k not in names}


def document() -> dict[str, Any]:
    """A document like the conformance suite's buildDocument()."""
    return {
        "name": str(uuid.uuid4()),
        "location": {"name": str(uuid.uuid4())},
        str(uuid.uuid4()): str(uuid.uuid4()),
    }


def sha1_etag(content: bytes) -> str:
    return f'"{hashlib.sha1(content).hexdigest()}"'


async def create(
    client: httpx.AsyncClient, path: str, params: dict[str, str], body: dict[str, Any]
) -> str:
    """Create a document with If-None-Match: * (valid for every resource and version); its ETag."""
    response = await client.put(path, params=params, json=body, headers={"If-None-Match": "*"})
    assert response.status_code == 204, response.text
    fetched = await client.get(path, params=params)
    assert fetched.status_code == 200
    return fetched.headers["ETag"]


async def credential_client(
    app: FastAPI, version: str, *, scopes: tuple[str, ...], tenant: str = "default"
) -> httpx.AsyncClient:
    """A client authenticated with a fresh credential holding only `scopes` (AU-3)."""
    runtime: Runtime = app.state.runtime
    if (
        await runtime.store.accounts.get_tenant(tenant) is None
    ):  # credentials need an existing tenant
        await runtime.store.accounts.add_tenant(
            TenantRecord(name=tenant, enabled=True, created_ms=0)
        )
    issued = new_credential(name="limited", tenant=tenant, scopes=scopes)
    await runtime.store.accounts.add_credential(issued.record)
    token = base64.b64encode(f"{issued.key}:{issued.secret}".encode()).decode()
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://lrs.test",
        headers={"X-Experience-API-Version": version, "Authorization": f"Basic {token}"},
    )

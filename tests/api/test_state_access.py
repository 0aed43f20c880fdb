"""Who may reach State documents and how big they may be (AU-3, T-24, tenancy)."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi import FastAPI

from service.app import create_app
from tests.api.document_support import STATE, credential_client, state_params, without
from tests.conftest import client_for, make_settings

pytestmark = pytest.mark.asyncio


async def test_oversized_document_is_413_t24(tmp_path: Path, version: str) -> None:
    """T-24: a document over the configured limit → 413, nothing stored."""
    app = create_app(make_settings(tmp_path, max_body_bytes=64))
    async with app.router.lifespan_context(app), client_for(app, version) as client:
        params = state_params()
        response = await client.put(STATE, params=params, content=b"x" * 65)
        assert response.status_code == 413
        assert (await client.get(STATE, params=params)).status_code == 404
        fits = await client.put(STATE, params=params, content=b"x" * 64)
        assert fits.status_code == 204


async def test_scopes_au3(app: FastAPI, version: str) -> None:
    """AU-3: State needs `state` to write; `all/read` may read; other scopes → 403."""
    params = state_params()
    async with await credential_client(app, version, scopes=("state",)) as writer:
        assert (await writer.put(STATE, params=params, json={"v": 1})).status_code == 204
        assert (await writer.get(STATE, params=params)).status_code == 200
    async with await credential_client(app, version, scopes=("all/read",)) as reader:
        assert (await reader.get(STATE, params=params)).status_code == 200
        assert (await reader.delete(STATE, params=params)).status_code == 403
    async with await credential_client(app, version, scopes=("statements/read",)) as other:
        assert (await other.get(STATE, params=params)).status_code == 403
        assert (await other.post(STATE, params=params, json={})).status_code == 403


async def test_tenants_never_share_documents(app: FastAPI, version: str) -> None:
    """Every document is keyed by the credential's tenant (ARCHITECTURE: storage)."""
    params = state_params()
    async with client_for(app, version) as owner:
        await owner.put(STATE, params=params, json={"v": 1})
    async with await credential_client(app, version, scopes=("all",), tenant="other") as stranger:
        assert (await stranger.get(STATE, params=params)).status_code == 404
        assert (await stranger.get(STATE, params=without(params, "stateId"))).json() == []

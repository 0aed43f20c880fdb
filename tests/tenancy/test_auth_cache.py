"""The verification cache: microseconds per request, bounded staleness across processes."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from service.app import create_app
from service.model.tenancy import CredentialChanges
from service.store.sqlite import SQLiteStore
from tests.conftest import make_settings
from tests.tenancy_support import STATEMENTS, client, issue, runtime_of

pytestmark = pytest.mark.asyncio


async def test_cached_verification_costs_no_scrypt(tmp_path: Path) -> None:
    """After the first request, authentication is a dict lookup and a SHA-256 (not scrypt)."""
    app = create_app(make_settings(tmp_path))
    async with app.router.lifespan_context(app):
        who = await issue(app)
        authenticator = runtime_of(app).authenticator
        await authenticator.authenticate(who.basic)
        began = time.perf_counter()
        for _ in range(2000):
            await authenticator.authenticate(who.basic)
        per_call = (time.perf_counter() - began) / 2000
        assert per_call < 0.0005  # one scrypt alone takes tens of milliseconds


async def test_changes_from_another_process_apply_within_the_cache_time(tmp_path: Path) -> None:
    """A disable made elsewhere (CLI, another worker) is honoured once `auth_cache_seconds` pass."""
    settings = make_settings(tmp_path, auth_cache_seconds=0.3)
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        who = await issue(app)
        elsewhere = SQLiteStore(Path(settings.store_url.removeprefix("sqlite:///")))
        await elsewhere.open()
        try:
            async with client(app, who) as c:
                assert (await c.get(STATEMENTS)).status_code == 200
                await elsewhere.accounts.update_credential(
                    who.key, CredentialChanges(enabled=False)
                )
                assert (await c.get(STATEMENTS)).status_code == 200  # still trusted from memory
                await asyncio.sleep(0.35)
                assert (await c.get(STATEMENTS)).status_code == 401
        finally:
            await elsewhere.close()


async def test_wrong_secret_is_refused_and_last_use_is_recorded(tmp_path: Path) -> None:
    """401 for a wrong secret; last-used times reach the store in batches, not per request."""
    app = create_app(make_settings(tmp_path, usage_flush_seconds=0.1))
    async with app.router.lifespan_context(app):
        who = await issue(app)
        wrong = type(who)(who.key, "not-the-secret", who.tenant)
        async with client(app, wrong) as bad, client(app, who) as good:
            for _ in range(2):
                assert (await bad.get(STATEMENTS)).status_code == 401
            for _ in range(5):
                assert (await good.get(STATEMENTS)).status_code == 200
        store = runtime_of(app).store
        last_used: int | None = None
        for _ in range(50):
            record = await store.accounts.get_credential(who.key)
            assert record is not None
            last_used = record.last_used_ms
            if last_used is not None:
                break
            await asyncio.sleep(0.05)
        assert last_used is not None

"""Forwarding passwords and signing secrets sealed at rest with Fernet: a default start keeps
a key file beside the database, backups hold ciphertext, clear rows are sealed at the next
start, keys rotate (issue 20)."""

from __future__ import annotations

import stat
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from fastapi import FastAPI
from pydantic import SecretStr

from service.app import create_app
from service.model.errors import StoreError
from service.model.forwarding import ForwardTarget, TargetKind
from service.settings import Settings
from service.store.mongo import MongoStore
from service.store.sealing import PREFIX
from service.store.sqlite import SQLiteStore
from service.store.sqlite.backup import backup
from tests.conftest import make_settings
from tests.tenancy_support import runtime_of

pytestmark = pytest.mark.asyncio
PASSWORD = "downstream-password-7f3a"
SIGNING = "webhook-signing-secret-91c2"


def target(name: str, password: str, kind: TargetKind = "xapi") -> ForwardTarget:
    return ForwardTarget(
        tenant="default",
        name=name,
        kind=kind,
        url="http://127.0.0.1:9/x",
        password=password,
    )


async def raw_passwords(app: FastAPI) -> dict[str, str]:
    """What the store itself holds, read past the sealing layer."""
    store = runtime_of(app).store
    if isinstance(store, SQLiteStore):
        rows = await store.database.read(
            lambda conn: conn.execute("SELECT name, password FROM forward_targets").fetchall()
        )
        return dict(rows)
    assert isinstance(store, MongoStore)
    return {doc["name"]: doc["password"] async for doc in store.db["forward_targets"].find()}


@pytest.fixture
async def started(tmp_path: Path) -> AsyncIterator[FastAPI]:
    application = create_app(make_settings(tmp_path))
    async with application.router.lifespan_context(application):
        yield application


async def test_a_default_start_seals_with_a_key_file_and_backups_hold_ciphertext(
    started: FastAPI, tmp_path: Path
) -> None:
    key_file = tmp_path / "lrs.sqlite3.secret-key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    outbox = runtime_of(started).store.outbox
    await outbox.add_forward_target(target("dw", PASSWORD))
    await outbox.add_forward_target(target("hook", SIGNING, "webhook"))
    raw = await raw_passwords(started)
    assert all(value.startswith(PREFIX) for value in raw.values())
    [status_dw, status_hook] = await outbox.list_forward_targets("default")
    assert (status_dw.target.password, status_hook.target.password) == (PASSWORD, SIGNING)
    copy = tmp_path / "backup.sqlite3"
    backup(tmp_path / "lrs.sqlite3", copy)
    for path in (copy, *sorted(tmp_path.glob("lrs.sqlite3*"))):  # noqa: ASYNC240
        if path != key_file:
            data = path.read_bytes()
            assert PASSWORD.encode() not in data
            assert SIGNING.encode() not in data


async def test_clear_rows_are_sealed_at_the_next_start(tmp_path: Path) -> None:
    plain = SQLiteStore(tmp_path / "lrs.sqlite3")  # as an older release stored them
    await plain.open()
    await plain.outbox.add_forward_target(target("dw", PASSWORD))
    await plain.close()
    application = create_app(make_settings(tmp_path))
    async with application.router.lifespan_context(application):
        assert (await raw_passwords(application))["dw"].startswith(PREFIX)
        [status] = await runtime_of(application).store.outbox.list_forward_targets("default")
        assert status.target.password == PASSWORD


async def test_keys_rotate_and_a_missing_key_is_a_clear_refusal(settings: Settings) -> None:
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()

    def started_with(keys: str) -> FastAPI:
        return create_app(settings.model_copy(update={"secret_key": SecretStr(keys)}))

    first = started_with(old)
    async with first.router.lifespan_context(first):
        await runtime_of(first).store.outbox.add_forward_target(target("dw", PASSWORD))
        sealed_by_old = (await raw_passwords(first))["dw"]
    both = started_with(f"{new},{old}")
    async with both.router.lifespan_context(both):
        assert (await raw_passwords(both))["dw"] != sealed_by_old  # resealed with the new key
    only_new = started_with(new)
    async with only_new.router.lifespan_context(only_new):
        [status] = await runtime_of(only_new).store.outbox.list_forward_targets("default")
        assert status.target.password == PASSWORD
    stranger = started_with(Fernet.generate_key().decode())
    with pytest.raises(StoreError, match="cannot be decrypted with the configured keys"):
        async with stranger.router.lifespan_context(stranger):
            pass

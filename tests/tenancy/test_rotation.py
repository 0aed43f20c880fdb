"""Rotation with overlap, the old secret's uses counted, 401 lines naming the key, and the
bootstrap credential that can be retired (issue 20, AU-1)."""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path

import pytest
from fastapi import FastAPI
from prometheus_client.parser import text_string_to_metric_families

from service.app import create_app
from service.model.tenancy import CredentialChanges
from service.tenancy.admin import credentials
from service.tenancy.admin.actor import cli_actor
from tests.conftest import BASIC, KEY, make_settings
from tests.tenancy_support import STATEMENTS, Issued, client, issue, runtime_of

pytestmark = pytest.mark.asyncio


async def status_of(app: FastAPI, who: Issued) -> int:
    async with client(app, who) as c:
        return (await c.get(STATEMENTS, params={"limit": 1})).status_code


async def previous_uses(app: FastAPI, key: str) -> float:
    async with client(app, None) as c:
        text = (await c.get("/metrics", headers={"Authorization": BASIC})).text
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            named = sample.name == "lrs_credential_previous_secret_uses_total"
            if named and sample.labels.get("credential") == key:
                return sample.value
    return 0.0


async def test_both_secrets_work_inside_the_overlap_and_old_uses_are_counted(
    app: FastAPI, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="service.auth")
    old = await issue(app, name="Moodle")
    assert await status_of(app, old) == 200
    async with client(app, None) as ops:
        rotated = await ops.post(
            f"/admin/credentials/{old.key}/rotate",
            json={"overlap": "7d"},
            headers={"Authorization": BASIC},
        )
    assert rotated.status_code == 200, rotated.text
    new = Issued(old.key, rotated.json()["secret"], old.tenant)
    assert rotated.json()["previous_secret_until_ms"] > 0
    assert [await status_of(app, who) for who in (new, old, old, new)] == [200, 200, 200, 200]
    assert await previous_uses(app, old.key) == 2
    [line] = [r for r in caplog.records if r.getMessage() == "credential.previous_secret_used"]
    assert (line.__dict__["lrs_fields"]["credential"], line.__dict__["lrs_fields"]["uses"]) == (
        old.key,
        1,
    )
    assert old.secret not in caplog.text
    assert new.secret not in caplog.text


async def test_only_the_new_secret_works_after_the_overlap(app: FastAPI) -> None:
    old = await issue(app, name="LXP")
    assert await status_of(app, old) == 200  # cached, as a busy platform would be
    async with client(app, None) as ops:
        rotated = await ops.post(
            f"/admin/credentials/{old.key}/rotate",
            json={"overlap": "1s"},
            headers={"Authorization": BASIC},
        )
    new = Issued(old.key, rotated.json()["secret"], old.tenant)
    assert [await status_of(app, who) for who in (old, new)] == [200, 200]
    await asyncio.sleep(1.2)
    assert [await status_of(app, who) for who in (old, new)] == [401, 200]


async def test_a_rotation_by_another_process_reaches_the_cache(tmp_path: Path) -> None:
    """The CLI changes the store only; the cache reads the record again after its seconds."""
    application = create_app(make_settings(tmp_path, auth_cache_seconds=0.2))
    async with application.router.lifespan_context(application):
        old = await issue(application, name="LXP")
        assert await status_of(application, old) == 200
        rotated = await credentials.rotate_secret(
            runtime_of(application).store.accounts, cli_actor(), old.key, overlap_seconds=1
        )
        new = Issued(old.key, rotated.secret, old.tenant)
        await asyncio.sleep(0.3)
        assert [await status_of(application, who) for who in (old, new)] == [200, 200]
        assert await previous_uses(application, old.key) == 1
        await asyncio.sleep(1.0)
        assert [await status_of(application, who) for who in (old, new)] == [401, 200]


async def test_a_rotation_without_overlap_stops_the_old_secret_at_once(app: FastAPI) -> None:
    old = await issue(app, name="BI")
    async with client(app, None) as ops:
        rotated = await ops.post(
            f"/admin/credentials/{old.key}/rotate", headers={"Authorization": BASIC}
        )
    assert rotated.json()["previous_secret_until_ms"] is None
    assert await status_of(app, old) == 401
    assert await status_of(app, Issued(old.key, rotated.json()["secret"], old.tenant)) == 200


async def test_a_bad_overlap_is_a_400_and_changes_nothing(app: FastAPI) -> None:
    old = await issue(app, name="CMS")
    async with client(app, None) as ops:
        for overlap, message in (("7 days", "invalid overlap"), ("91d", "90 days")):
            refused = await ops.post(
                f"/admin/credentials/{old.key}/rotate",
                json={"overlap": overlap},
                headers={"Authorization": BASIC},
            )
            assert refused.status_code == 400
            assert message in refused.json()["message"]
    assert await status_of(app, old) == 200


async def test_refused_sign_ins_log_the_key_never_the_secret(
    app: FastAPI, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="service.access")
    platform = await issue(app, name="Player")
    wrong = Issued(platform.key, "not-the-secret", platform.tenant)
    assert await status_of(app, wrong) == 401
    [line] = [r for r in caplog.records if r.getMessage() == "request"]
    fields = line.__dict__["lrs_fields"]
    assert (fields["status"], fields["credential"]) == (401, platform.key)
    assert "not-the-secret" not in json.dumps(fields)


async def test_bootstrap_creates_nothing_once_an_operator_exists(tmp_path: Path) -> None:
    first = create_app(make_settings(tmp_path))
    async with first.router.lifespan_context(first):
        personal = await issue(first, scopes=("operator", "all"), name="Ops team")
        await runtime_of(first).store.accounts.update_credential(
            KEY, CredentialChanges(enabled=False)
        )  # the bootstrap credential retired
    again = create_app(make_settings(tmp_path, bootstrap_key="second-key"))
    async with again.router.lifespan_context(again):
        accounts = runtime_of(again).store.accounts
        assert await accounts.get_credential("second-key") is None
        bootstrap = await accounts.get_credential(KEY)
        assert bootstrap is not None
        assert not bootstrap.enabled
        assert await status_of(again, personal) == 200

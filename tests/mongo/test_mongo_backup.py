"""`python -m service backup` / `restore` on MongoDB: the whole LRS to an SQLite file, taken
while the LRS serves, and restored into a fresh database that then serves the same statements,
pages, documents and ETags (the procedure the README gives)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from service.app import create_app
from tests.conftest import make_settings
from tests.migration.test_migrate import _fill, _view
from tests.mongo_support import MONGODB_URL, drop_database, fresh_database_url
from tests.server.served import ROOT

pytestmark = pytest.mark.asyncio


@pytest.fixture
async def two_databases() -> AsyncIterator[tuple[str, str]]:
    if not MONGODB_URL:
        pytest.skip("LRS_TEST_MONGODB_URL is not set (make test sets it)")
    urls = (fresh_database_url(), fresh_database_url())
    try:
        yield urls
    finally:
        for url in urls:
            await drop_database(url)


def _cli(store_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LRS_")}
    return subprocess.run(
        [sys.executable, "-m", "service", *args],
        env={**env, "LRS_STORE_URL": store_url},
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
        check=False,
    )


async def test_backup_while_serving_and_restore_into_a_fresh_database(
    tmp_path: Path, two_databases: tuple[str, str]
) -> None:
    live, fresh = two_databases
    backup = tmp_path / "lrs-backup.sqlite3"
    app = create_app(make_settings(tmp_path / "live", store_url=live))
    async with app.router.lifespan_context(app):
        who = await _fill(app)
        ids = who["sent"]["acme"] + who["sent"]["mine"] + who["sent"]["beta"]
        voided = [who["sent"]["acme"][0]]
        before = {
            name: await _view(app, who[name], ids, voided) for name in ("acme", "mine", "beta")
        }
        taken = _cli(live, "backup", str(backup))  # while this LRS serves
        assert taken.returncode == 0, taken.stderr
        assert backup.is_file()
        assert not backup.with_name(backup.name + ".partial").exists()
        again = _cli(live, "backup", str(backup))
        assert again.returncode == 1
        assert "exists; add --force" in again.stderr
    restored = _cli(fresh, "restore", str(backup))
    assert restored.returncode == 0, restored.stderr
    twice = _cli(fresh, "restore", str(backup))
    assert twice.returncode == 1
    assert "already holds data" in twice.stderr
    app = create_app(make_settings(tmp_path / "fresh", store_url=fresh))
    async with app.router.lifespan_context(app):
        after = {
            name: await _view(app, who[name], ids, voided) for name in ("acme", "mine", "beta")
        }
    for name in ("acme", "mine", "beta"):
        assert after[name] == before[name], name

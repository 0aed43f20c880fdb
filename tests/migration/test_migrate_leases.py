"""Leases are not data: `migrate` neither copies them nor counts them as left behind, and a
target holding only leases is not a target that already holds data."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from service.app import create_app
from service.store.sqlite import SQLiteStore
from tests.builders import statement
from tests.conftest import client_for, make_settings
from tests.migration import run_migrate


async def _hold(path: Path, name: str, holder: str) -> None:
    store = SQLiteStore(path)
    await store.open()
    try:
        assert (await store.leases.acquire_lease(name, holder, 3_600_000)).held_by(holder)
    finally:
        await store.close()


async def test_migrate_copies_no_lease(tmp_path: Path) -> None:
    source = tmp_path / "source.sqlite3"
    app = create_app(make_settings(tmp_path, store_url=f"sqlite:///{source}"))
    async with app.router.lifespan_context(app), client_for(app, "2.0.0") as http:
        batch = [statement() for _ in range(5)]
        assert (await http.post("/xapi/statements", json=batch)).status_code == 200
    await _hold(source, "outcomes/default", "source:1:x")
    await _hold(source, "outcomes/other", "source:1:x")
    target = tmp_path / "target.sqlite3"
    await _hold(
        target, "outcomes/default", "target:2:y"
    )  # a target that only ever held a lease is empty
    done = run_migrate("--from", f"sqlite:///{source}", "--to", f"sqlite:///{target}")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "verified" in done.stdout
    assert "leases" not in done.stdout + done.stderr
    with sqlite3.connect(target) as conn:
        holders = conn.execute("SELECT name, holder FROM leases").fetchall()
        copied = conn.execute("SELECT count(*) FROM statements WHERE tenant = 'default'").fetchone()
    assert holders == [("outcomes/default", "target:2:y")]  # the target's own, untouched
    assert copied == (5,)

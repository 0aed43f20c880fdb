"""Online backup and verified restore of the embedded store (issue 7)."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import orjson
import pytest

from service.store.sqlite import SQLiteStore
from service.store.sqlite.backup import BackupError, backup, restore, verify
from service.xapi.statement_requests import parse_statement_body
from tests.builders import statement
from tests.cli_support import run_cli

AUTHORITY = {"objectType": "Agent", "account": {"homePage": "http://lrs.test", "name": "k"}}


async def _add(store: SQLiteStore, count: int) -> list[str]:
    body = [statement() for _ in range(count)]
    batch = parse_statement_body(
        orjson.dumps(body),
        "application/json",
        tenant="default",
        version="2.0.0",
        authority=AUTHORITY,
    )
    return await store.statements.store_statements(batch)


def _ids(path: Path) -> set[str]:
    conn = sqlite3.connect(path)
    try:
        return {row[0] for row in conn.execute("SELECT id FROM statements")}
    finally:
        conn.close()


async def test_backup_while_running_then_restore(tmp_path: Path) -> None:
    live, saved = tmp_path / "lrs.sqlite3", tmp_path / "saved.sqlite3"
    store = SQLiteStore(live)
    await store.open()
    try:
        before = set(await _add(store, 50))
        done = run_cli("backup", str(saved), store=live)  # the store stays open meanwhile
        assert done.returncode == 0, done.stderr
        assert "100%" in done.stderr
        assert f"backed up {live} to {saved}" in done.stderr
        await _add(store, 5)  # written after the backup: not in it
        refused = run_cli("restore", str(saved), "--force", store=live)
        assert refused.returncode == 1
        assert "in use; stop the service first" in refused.stderr
    finally:
        await store.close()
    assert _ids(saved) == before
    refused = run_cli("restore", str(saved), store=live)
    assert refused.returncode == 1
    assert "pass --force" in refused.stderr
    done = run_cli("restore", str(saved), "--force", store=live)
    assert done.returncode == 0, done.stderr
    assert "100%" in done.stderr
    assert _ids(live) == before


def test_backup_rejects_odd_targets(tmp_path: Path) -> None:
    live = tmp_path / "lrs.sqlite3"
    sqlite3.connect(live).close()
    (tmp_path / "taken").write_text("keep me")
    cases = {
        tmp_path: "is a directory",
        tmp_path / "missing" / "b.db": "does not exist",
        live: "is the live store itself",
        tmp_path / "." / "lrs.sqlite3-wal": "is the live store itself",
        tmp_path / "taken": "exists; pass --force",
    }
    for target, reason in cases.items():
        with pytest.raises(BackupError, match=reason):
            backup(live, target)
    assert (tmp_path / "taken").read_text() == "keep me"


def test_restore_verifies_the_backup_first(tmp_path: Path) -> None:
    live = tmp_path / "lrs.sqlite3"
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"not a database" * 100)
    foreign = tmp_path / "foreign.db"
    with sqlite3.connect(foreign) as conn:
        conn.execute("CREATE TABLE t (x)")
    conn.close()
    with pytest.raises(BackupError, match="not a readable LRS store"):
        restore(garbage, live)
    with pytest.raises(BackupError, match="not a readable LRS store"):
        verify(foreign)  # no meta table: some other SQLite file
    with pytest.raises(BackupError, match="is not a file"):
        restore(tmp_path / "absent.db", live)
    assert not live.exists()


def test_backup_of_another_store_kind_is_refused(tmp_path: Path) -> None:
    """A store kind backup does not know (MongoDB's is in tests/mongo/test_mongo_backup.py)."""
    env = {**os.environ, "LRS_STORE_URL": "postgresql://127.0.0.1:5432/lrs"}
    done = subprocess.run(
        [sys.executable, "-m", "service", "backup", str(tmp_path / "b.db")],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert "backup and restore know no store at 'postgresql'" in done.stderr


def test_backup_prune_keeps_the_newest_and_touches_nothing_else(tmp_path: Path) -> None:
    """`backup-prune DIR --keep N --max-age AGE`: the newest N stay, older ones past AGE go;
    files that are not SQLite databases are never candidates (issue 20)."""
    folder = tmp_path / "backups"
    folder.mkdir()
    day = 86400
    now = time.time()
    ages = {"lrs-1.sqlite3": 1, "lrs-2.sqlite3": 2, "lrs-5.sqlite3": 5, "lrs-40.sqlite3": 40}
    for name, days in [*ages.items(), ("lrs-50.sqlite3", 50)]:
        path = folder / name
        sqlite3.connect(path).execute("CREATE TABLE t (x)").connection.close()
        os.utime(path, (now - days * day, now - days * day))
    notes = folder / "notes.sqlite3"
    notes.write_text("not a database")
    os.utime(notes, (now - 90 * day, now - 90 * day))

    dry = run_cli(
        "backup-prune",
        str(folder),
        "--keep",
        "2",
        "--max-age",
        "30d",
        "--dry-run",
        store=tmp_path / "x.sqlite3",
    )
    assert dry.returncode == 0, dry.stderr
    assert sorted(line.split("/")[-1] for line in dry.stdout.splitlines()) == [
        "lrs-40.sqlite3",
        "lrs-50.sqlite3",
    ]
    assert len(list(folder.iterdir())) == 6
    real = run_cli(
        "backup-prune", str(folder), "--keep", "2", "--max-age", "30d", store=tmp_path / "x.sqlite3"
    )
    assert real.returncode == 0, real.stderr
    assert sorted(p.name for p in folder.iterdir()) == [
        "lrs-1.sqlite3",
        "lrs-2.sqlite3",
        "lrs-5.sqlite3",
        "notes.sqlite3",
    ]
    everything = run_cli("backup-prune", str(folder), "--keep", "1", store=tmp_path / "x.sqlite3")
    assert everything.returncode == 0
    assert sorted(p.name for p in folder.iterdir()) == ["lrs-1.sqlite3", "notes.sqlite3"]
    bad = run_cli("backup-prune", str(folder), "--max-age", "soon", store=tmp_path / "x.sqlite3")
    assert bad.returncode == 2
    assert "invalid age" in bad.stderr

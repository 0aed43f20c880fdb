"""No path traversal: HTTP input never names a file; the file options are operator paths that
cannot be turned against the live store or a file they do not name."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from fastapi import FastAPI

from service.store.sqlite.backup import BackupError, backup, restore
from tests.api.document_support import AGENT_PROFILE, STATE, agent_json, state_params
from tests.conftest import client_for

TRAVERSALS = [
    "../../../../etc/passwd",
    "/etc/passwd",
    "..\\..\\boot.ini",
    "%2e%2e%2fx",
    "a/../../b",
]


def _files(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if p.is_file()}


@pytest.mark.parametrize("name", TRAVERSALS)
async def test_document_ids_are_data_not_paths(app: FastAPI, tmp_path: Path, name: str) -> None:
    """D-1: ids that look like paths are stored and returned as given; no file appears."""
    before = {p.name for p in _files(tmp_path)}
    params = state_params(stateId=name)
    profile = {"agent": agent_json(name), "profileId": name}
    async with client_for(app, "2.0.0") as c:
        assert (await c.put(STATE, params=params, content=b"state")).status_code == 204
        assert (await c.put(AGENT_PROFILE, params=profile, content=b"profile")).status_code == 204
        assert (await c.get(STATE, params=params)).content == b"state"
        assert (await c.get(AGENT_PROFILE, params=profile)).content == b"profile"
        listing = await c.get(STATE, params={k: v for k, v in params.items() if k != "stateId"})
    assert name in listing.json()
    after = {p.name for p in _files(tmp_path)}
    assert after - before <= {"lrs.sqlite3-wal", "lrs.sqlite3-shm", "lrs.sqlite3.lock"}


def _store(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)")
    conn.execute("INSERT INTO meta VALUES ('schema_version', '2')")
    conn.commit()
    conn.close()


def test_backup_never_writes_the_live_store_through_an_alias(tmp_path: Path) -> None:
    """A `..` detour or a symlink naming the live store is recognised as the store itself."""
    (tmp_path / "sub").mkdir()
    live = tmp_path / "lrs.sqlite3"
    _store(live)
    link = tmp_path / "sub" / "link.db"
    link.symlink_to(live)
    original = live.read_bytes()
    for alias in (tmp_path / "sub" / ".." / "lrs.sqlite3", link):
        with pytest.raises(BackupError, match="is the live store itself"):
            backup(live, alias, force=True)
        with pytest.raises(BackupError, match="is the live store itself"):
            restore(alias, live, force=True)
    assert live.read_bytes() == original


def test_backup_over_a_symlink_replaces_the_link_not_its_target(tmp_path: Path) -> None:
    """--force replaces the named path; a file the link points to is left alone."""
    live = tmp_path / "lrs.sqlite3"
    _store(live)
    precious = tmp_path / "precious.txt"
    precious.write_text("keep me")
    target = tmp_path / "backup.db"
    target.symlink_to(precious)
    with pytest.raises(BackupError, match="exists; pass --force"):
        backup(live, target)
    backup(live, target, force=True)
    assert precious.read_text() == "keep me"
    assert not target.is_symlink()
    assert target.is_file()

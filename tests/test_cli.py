"""The command-line interface as scripts use it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import orjson

from service.store.sqlite import SQLiteStore
from service.tenancy.auth import verify_secret
from tests.cli_support import run_cli


async def test_credentials_create_json(tmp_path: Path) -> None:
    """AU-1: `credentials create --json` prints a key and secret that the store can verify."""
    store_path = tmp_path / "lrs.sqlite3"
    done = run_cli(
        "credentials",
        "create",
        "--name",
        "Moodle",
        "--scopes",
        "statements/write",
        "--json",
        store=store_path,
    )
    assert done.returncode == 0, done.stderr
    issued = orjson.loads(done.stdout)
    store = SQLiteStore(store_path)
    await store.open()
    try:
        record = await store.accounts.get_credential(issued["key"])
    finally:
        await store.close()
    assert record is not None
    assert record.name == "Moodle"
    assert record.scopes == ("statements/write",)
    assert issued["secret"] not in record.secret_hash
    assert verify_secret(issued["secret"], record.secret_hash)


def test_credentials_create_rejects_unknown_scope(tmp_path: Path) -> None:
    """AU-3: an unknown scope is refused and nothing is created."""
    done = run_cli(
        "credentials", "create", "--name", "x", "--scopes", "everything", store=tmp_path / "s.db"
    )
    assert done.returncode == 2
    assert "unknown scope" in done.stderr


def test_help_lists_serve() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "service", "--help"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0
    assert "serve" in done.stdout

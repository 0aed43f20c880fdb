"""Start-up fails fast, with a clear message and a non-zero exit, on an unusable store."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest

from tests.server.served import free_port, serve


@pytest.mark.parametrize(
    ("store_url", "reason"),
    [
        ("postgres://db/lrs", "unsupported LRS_STORE_URL scheme: 'postgres'"),
        ("sqlite:///", "the SQLite store URL names no file"),
        ("sqlite:///{tmp}/a-file/lrs.sqlite3", "cannot open the SQLite store"),
    ],
)
def test_unusable_store_stops_start_up(tmp_path: Path, store_url: str, reason: str) -> None:
    (tmp_path / "a-file").write_text("a file where a folder should be")
    env = {"LRS_PORT": str(free_port()), "LRS_STORE_URL": store_url.format(tmp=tmp_path)}
    started = time.monotonic()
    with (tmp_path / "out.log").open("wb") as log:
        process = serve(env, log)
        try:
            code = process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            raise
    output = (tmp_path / "out.log").read_text()
    assert code == 1
    assert f"cannot start: the store is not usable: {reason}" in output
    assert "Uvicorn running" not in output
    assert time.monotonic() - started < 15

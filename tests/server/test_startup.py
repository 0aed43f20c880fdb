"""Start-up fails fast, with a clear message and a non-zero exit, on an unusable store."""

from __future__ import annotations

import asyncio
import socket
import sqlite3
import time
from contextlib import closing
from pathlib import Path

import pytest

from service import __version__
from service.store.sqlite.schema import SCHEMA_VERSION
from service.store.sqlite.store import SQLiteStore
from tests.server.served import exit_of_serve, free_port


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
    code, output = exit_of_serve(env, tmp_path / "out.log", 30)
    assert code == 1
    assert f"cannot start: the store is not usable: {reason}" in output
    assert "Uvicorn running" not in output
    assert time.monotonic() - started < 15


@pytest.mark.parametrize("workers", ["1", "2"])
def test_busy_port_stops_start_up_before_anything_is_created(tmp_path: Path, workers: str) -> None:
    """A port another process listens on: exit 1 naming the address; no store, no credential."""
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        port = other.getsockname()[1]
        store = tmp_path / "lrs.sqlite3"
        env = {"LRS_PORT": str(port), "LRS_STORE_URL": f"sqlite:///{store}", "LRS_WORKERS": workers}
        code, output = exit_of_serve(env, tmp_path / "out.log", 30)
    assert code == 1
    assert output.strip() == (
        f"cannot start: 127.0.0.1:{port} is already in use by another process: "
        "stop that process, or choose another port (LRS_PORT or --port)"
    )
    assert list(tmp_path.iterdir()) == [tmp_path / "out.log"]  # not even the store's folder


def test_unreachable_mongodb_is_one_line_and_exit_1(tmp_path: Path) -> None:
    """No driver traceback: the hosts, the timeout and what to check, on one line."""
    closed = free_port()  # nothing listens there
    env = {
        "LRS_PORT": str(free_port()),
        "LRS_STORE_URL": f"mongodb://127.0.0.1:{closed}/lrs",
        "LRS_MONGO_TIMEOUT_MS": "500",
    }
    code, output = exit_of_serve(env, tmp_path / "out.log", 30)
    assert code == 1
    assert output.strip() == (
        "cannot start: the store is not usable: "
        f"MongoDB at 127.0.0.1:{closed} did not answer within 500 ms: check that the server is "
        "running and reachable from here (host, port, replicaSet and TLS options in "
        "LRS_STORE_URL, firewall), or allow longer with LRS_MONGO_TIMEOUT_MS"
    )


def test_store_written_by_a_newer_release_is_refused_and_left_alone(tmp_path: Path) -> None:
    """No downgrade: a schema newer than this release's stops start-up, naming who wrote it."""
    path = tmp_path / "lrs.sqlite3"
    asyncio.run(_open_and_close(SQLiteStore(path)))
    with closing(sqlite3.connect(path)) as conn, conn:
        assert dict(conn.execute("SELECT name, value FROM meta")) == {
            "schema_version": str(SCHEMA_VERSION),
            "release": __version__,
        }
        conn.execute("UPDATE meta SET value = '99' WHERE name = 'schema_version'")
        conn.execute("UPDATE meta SET value = '9.9.9' WHERE name = 'release'")
    env = {"LRS_PORT": str(free_port()), "LRS_STORE_URL": f"sqlite:///{path}"}
    code, output = exit_of_serve(env, tmp_path / "out.log", 30)
    assert code == 1
    assert output.strip() == (
        "cannot start: the store is not usable: this store was written by lrs-service 9.9.9 "
        f"(schema 99); this release ({__version__}) reads schema up to {SCHEMA_VERSION}: "
        "upgrade the service, or restore a backup taken before the upgrade"
    )
    with closing(sqlite3.connect(path)) as conn:
        meta = dict(conn.execute("SELECT name, value FROM meta"))
        credentials = conn.execute("SELECT count(*) FROM credentials").fetchone()[0]
    assert meta == {"schema_version": "99", "release": "9.9.9"}
    assert credentials == 0


async def _open_and_close(store: SQLiteStore) -> None:
    await store.open()
    await store.close()

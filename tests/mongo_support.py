"""The MongoDB server the tests run against: LRS_TEST_MONGODB_URL, one fresh database per test.

`make test` starts the wire-compatible test server and sets the variable; point it at a genuine
MongoDB to run the same tests there.

Under pytest-xdist each worker starts a test server of its own (in memory, on a free port) when
the configured one is the test server, so each server sees one test process, as without
workers. A genuine MongoDB is shared by the workers.
"""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from functools import cache
from pathlib import Path

from pymongo import AsyncMongoClient, MongoClient
from pymongo.errors import PyMongoError
from pymongo.uri_parser import parse_uri

from tests.free_port import free_port

TEST_SERVER = Path(sys.executable).with_name("nx-27017")
START_SECONDS = 60


def _is_genuine(url: str) -> bool:
    client: MongoClient[dict[str, object]] = MongoClient(url)
    try:
        build = client.admin.command("buildInfo")
    finally:
        client.close()
    return isinstance(build.get("version"), str) and "gitVersion" in build


def _answers(url: str) -> bool:
    client: MongoClient[dict[str, object]] = MongoClient(url, serverSelectionTimeoutMS=500)
    try:
        client.admin.command("ping")
    except PyMongoError:
        return False
    finally:
        client.close()
    return True


_WORKER_SERVERS: list[tuple[subprocess.Popen[bytes], Path]] = []


def stop_worker_servers() -> None:
    """Stop the test server this worker started, if any (at the end of its session)."""
    while _WORKER_SERVERS:
        process, folder = _WORKER_SERVERS.pop()
        process.terminate()
        process.wait(timeout=30)
        shutil.rmtree(folder, ignore_errors=True)


def _worker_server() -> str:
    """Start this worker's own test server, stopped when the worker exits: its URL."""
    folder = Path(tempfile.mkdtemp(prefix="lrs-mongo-"))
    port = free_port()
    log = (folder / "server.out").open("wb")
    process = subprocess.Popen(
        [str(TEST_SERVER), "--host", "127.0.0.1", "--port", str(port), "--data-dir", "memory",
         "--log-file", str(folder / "server.log"), "--pid-file", str(folder / "server.pid")],
        stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    _WORKER_SERVERS.append((process, folder))
    atexit.register(stop_worker_servers)
    url = f"mongodb://127.0.0.1:{port}"
    deadline = time.monotonic() + START_SECONDS
    while not _answers(url):
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"the worker's MongoDB test server did not start: see {folder}")
        time.sleep(0.1)
    return url


def _server_url() -> str | None:
    """LRS_TEST_MONGODB_URL, or in a pytest-xdist worker its own test server (see above)."""
    shared = os.environ.get("LRS_TEST_MONGODB_URL")
    if not shared or not os.environ.get("PYTEST_XDIST_WORKER") or not TEST_SERVER.exists():
        return shared
    if _is_genuine(shared):
        return shared
    own = _worker_server()
    os.environ["LRS_TEST_MONGODB_URL"] = own
    return own


MONGODB_URL = _server_url()


def database_url(base: str, name: str) -> str:
    """The server URL with a database path (query options kept)."""
    address, _, options = base.partition("?")
    parsed = parse_uri(base)
    prefix = address.rsplit("/", 1)[0] if parsed.get("database") else address.rstrip("/")
    return f"{prefix}/{name}" + (f"?{options}" if options else "")


def fresh_database_url() -> str:
    """A URL naming a database no other test uses."""
    assert MONGODB_URL is not None
    return database_url(MONGODB_URL, f"lrs_test_{uuid.uuid4().hex[:16]}")


async def drop_database(url: str) -> None:
    client: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(url)
    try:
        await client.drop_database(client.get_default_database().name)
    finally:
        await client.close()


@cache
def genuine_mongodb() -> bool:
    """Whether the configured server is a genuine MongoDB (not the test server), asked once."""
    assert MONGODB_URL is not None
    return _is_genuine(MONGODB_URL)


def store_summary(stats: dict[str, list[object]]) -> str:
    """One line for the end of the run: how many tests passed against which store."""
    counts = {"sqlite": 0, "mongodb": 0}
    for report in stats.get("passed", []):
        params = getattr(report, "nodeid", "").partition("[")[2]
        kind = next((k for k in ("mongodb", "sqlite") if k in params), None)
        if kind is not None:
            counts[kind] += 1
    if MONGODB_URL:
        genuine = "genuine MongoDB" if genuine_mongodb() else "wire-compatible test server"
        where = f"{MONGODB_URL} ({genuine})"
    else:
        where = "not configured (LRS_TEST_MONGODB_URL unset)"
    passed = ", ".join(f"{kind} {count}" for kind, count in counts.items())
    return f"store-parametrized tests passed: {passed}; MongoDB: {where}"

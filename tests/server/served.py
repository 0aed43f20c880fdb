"""Run `python -m service serve` as a real process on a free loopback port; and the fixture
of a fresh MongoDB database that such processes (crash, migrate, quota tests) are pointed at.

Registered as a pytest plugin by tests/conftest.py, so `fresh_mongo_url` is there for every test.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO
from urllib.parse import urlsplit

import httpx
import pytest
from pymongo import MongoClient

from tests.free_port import free_port as free_port
from tests.mongo_support import MONGODB_URL, fresh_database_url

ROOT = Path(__file__).resolve().parents[2]


def serve(env: dict[str, str], log: IO[bytes]) -> subprocess.Popen[bytes]:
    """Start the service with these LRS_ variables added to the environment."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("LRS_")}
    return subprocess.Popen(
        [sys.executable, "-m", "service", "serve"],
        env={**clean, "LRS_HOST": "127.0.0.1", **env},
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=ROOT,
    )


def exit_of_serve(env: dict[str, str], log: Path, seconds: float) -> tuple[int, str]:
    """Run the service until it exits by itself (a failed start-up): exit code and output."""
    with log.open("wb") as out:
        process = serve(env, out)
        try:
            code = process.wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            process.kill()
            raise
    return code, log.read_text()


READY_SECONDS = 120
"""How long a start may take before a test calls it failed: generous, as a loaded machine
running several test workers can take tens of seconds to start a multi-worker server."""


def wait_ready(base: str, process: subprocess.Popen[bytes], seconds: float = READY_SECONDS) -> None:
    """Return once /readyz answers 200; fail if the process exits or time runs out."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the service exited with {process.returncode}")
        try:
            if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    process.terminate()  # not kill: the server stops its worker processes too
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
    raise AssertionError("the service did not become ready")


PORT_ATTEMPTS = 3
"""Starts on a fresh free port after a start that found its port taken: between `free_port`
and the bind, another test process (pytest-xdist worker) or a client may take it."""


@contextmanager
def served(env: dict[str, str], log: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """A served LRS with these LRS_ variables, on a free port, logging to `log`: its base URL
    and process once /readyz answers (the log in the failure if it never does). Stopped with
    SIGTERM on exit."""
    for attempt in range(1, PORT_ATTEMPTS + 1):
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        with log.open("wb") as out:
            process = serve({**env, "LRS_PORT": str(port)}, out)
            try:
                wait_ready(base, process)
            except AssertionError:
                process.terminate()
                process.wait(timeout=30)
                output = log.read_text()
                if "is already in use" in output and attempt < PORT_ATTEMPTS:
                    continue
                raise AssertionError(output) from None
            try:
                yield base, process
            finally:
                process.terminate()
                process.wait(timeout=30)
            return


@contextmanager
def served_process(
    data: Path, key: str, secret: str, **settings: str
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """A served LRS on `data`/lrs.sqlite3 with one bootstrap credential: its base URL and process.

    `settings` are more LRS_ variables (e.g. LRS_WORKERS="2"). Stopped with SIGTERM on exit.
    """
    env = {
        "LRS_STORE_URL": f"sqlite:///{data / 'lrs.sqlite3'}",
        "LRS_BOOTSTRAP_KEY": key,
        "LRS_BOOTSTRAP_SECRET": secret,
        **settings,
    }
    with served(env, data / "server.log") as running:
        yield running


@contextmanager
def running_lrs(data: Path, key: str, secret: str, **settings: str) -> Iterator[str]:
    """The base URL of `served_process`."""
    with served_process(data, key, secret, **settings) as (base, _):
        yield base


@pytest.fixture
def fresh_mongo_url() -> Iterator[str]:
    """The URL of a database no other test uses on the MongoDB test server, dropped afterwards;
    the test is skipped where no server is configured."""
    if not MONGODB_URL:
        pytest.skip("LRS_TEST_MONGODB_URL is not set (make test sets it)")
    url = fresh_database_url()
    yield url
    client: MongoClient[dict[str, object]] = MongoClient(url)
    try:
        client.drop_database(client.get_default_database().name)
    finally:
        client.close()


def load_demo(base: str, key: str, secret: str) -> str:
    """Run `make demo`'s script against the served LRS at `base` (whose bootstrap credential is
    `key`/`secret`); its output. No LRS_ variable of the test run reaches it but these."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("LRS_")}
    env = {
        **clean,
        "LRS_PORT": str(urlsplit(base).port),
        "LRS_BOOTSTRAP_KEY": key,
        "LRS_BOOTSTRAP_SECRET": secret,
    }
    demo = subprocess.run(
        [sys.executable, "-m", "deploy.examples.demo"],
        env=env, cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert demo.returncode == 0, demo.stdout + demo.stderr
    return demo.stdout

"""Shared fixtures: a real SQLite file per test and the ASGI app driven through httpx.

With LRS_TEST_MONGODB_URL set (`make test` sets it), every test using the `app` fixture also
runs against the MongoDB store, on a fresh database dropped afterwards (issue 4).

The `app` fixture's scrypt (the bootstrap credential's hash at start-up, its check on the first
request) runs for real once per test process and input and is remembered after that: otherwise
it is most of each such test's time. Tests about scrypt's cost (sign-in throttling, the
verification cache) build their own app or a served process, which always run it.
"""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from service.app import create_app
from service.settings import Settings
from service.tenancy import auth
from tests.mongo_support import (
    MONGODB_URL,
    drop_database,
    fresh_database_url,
    stop_worker_servers,
    store_summary,
)

pytest_plugins = ["tests.server.served"]  # its fresh_mongo_url fixture

KEY = "test-key"
SECRET = "test-secret-value"
BASIC = "Basic " + base64.b64encode(f"{KEY}:{SECRET}".encode()).decode()


def make_settings(tmp_path: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "store_url": f"sqlite:///{tmp_path / 'lrs.sqlite3'}",
        "bootstrap_key": KEY,
        "bootstrap_secret": SECRET,
        "public_url": "http://lrs.test",
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)


STORE_KINDS = ["sqlite", "mongodb"] if MONGODB_URL else ["sqlite"]


SHARED_SCOPES = {"class", "module", "package"}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "xdist_group(name): run these tests in one pytest-xdist worker (make test)"
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Keep a module's tests on one worker when they share a class-, module- or package-scoped
    fixture (a served process, a browser), so `--dist loadgroup` sets it up once, not once per
    worker. Session-scoped fixtures are per worker anyway."""
    for item in items:
        info = getattr(item, "_fixtureinfo", None)
        if info is None or item.get_closest_marker("xdist_group"):
            continue
        definitions = [defs[-1] for defs in info.name2fixturedefs.values() if defs]
        if any(definition.scope in SHARED_SCOPES for definition in definitions):
            item.add_marker(pytest.mark.xdist_group(item.nodeid.split("::")[0]))


# The hooks below import fuzz_support when called: it imports this module.


def pytest_sessionfinish(session: pytest.Session) -> None:
    """In a pytest-xdist worker: hand this worker's fuzz case counts to the controller."""
    from tests.reliability.fuzz_support import CASES

    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:
        workeroutput["fuzz_cases"] = dict(CASES)


def pytest_unconfigure() -> None:
    stop_worker_servers()


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: object) -> None:
    """In the pytest-xdist controller: add up the workers' fuzz case counts."""
    from tests.reliability.fuzz_support import CASES

    CASES.update(getattr(node, "workeroutput", {}).get("fuzz_cases", {}))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say in the log which stores the suite ran against (issue 4), and how many cases the
    fuzz tests generated, per target (issue 9)."""
    from tests.reliability.fuzz_support import CASES, profile_name

    terminalreporter.write_line(store_summary(terminalreporter.stats))
    if CASES:
        parts = ", ".join(f"{name}: {count}" for name, count in sorted(CASES.items()))
        total = sum(CASES.values())
        terminalreporter.write_line(
            f"fuzz profile {profile_name()}: {total} cases generated ({parts})"
        )


@pytest.fixture(params=STORE_KINDS)
async def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """The store of the test's app: an SQLite file, or a fresh MongoDB database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'lrs.sqlite3'}"
        return
    url = fresh_database_url()
    try:
        yield url
    finally:
        await drop_database(url)


@pytest.fixture
def settings(tmp_path: Path, store_url: str) -> Settings:
    return make_settings(tmp_path, store_url=store_url)


class RememberedScrypt:
    """`hash_secret` and `verify_secret` computed for real once per input, then remembered.

    A remembered hash is reused only for the same secret (secrets the API issues are random,
    so each still gets its own salt); a check is a pure function of the secret and the hash.
    """

    def __init__(self) -> None:
        self._hashes: dict[str, str] = {}
        self._checks: dict[tuple[str, str], bool] = {}
        self._hash = auth.hash_secret
        self._verify = auth.verify_secret

    def hash_secret(self, secret: str) -> str:
        if secret not in self._hashes:
            self._hashes[secret] = self._hash(secret)
        return self._hashes[secret]

    def verify_secret(self, secret: str, hashed: str) -> bool:
        if (secret, hashed) not in self._checks:
            self._checks[secret, hashed] = self._verify(secret, hashed)
        return self._checks[secret, hashed]


REMEMBERED_SCRYPT = RememberedScrypt()


@pytest.fixture
async def app(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FastAPI]:
    monkeypatch.setattr(auth, "hash_secret", REMEMBERED_SCRYPT.hash_secret)
    monkeypatch.setattr(auth, "verify_secret", REMEMBERED_SCRYPT.verify_secret)
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application


def client_for(app: FastAPI, version: str | None, *, auth: bool = True) -> httpx.AsyncClient:
    headers = {}
    if version is not None:
        headers["X-Experience-API-Version"] = version
    if auth:
        headers["Authorization"] = BASIC
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://lrs.test", headers=headers
    )


@pytest.fixture(params=["1.0.3", "2.0.0"])
def version(request: pytest.FixtureRequest) -> str:
    """Run a test once per xAPI version family."""
    value: str = request.param
    return value


@pytest.fixture
async def client(app: FastAPI, version: str) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(app, version) as c:
        yield c

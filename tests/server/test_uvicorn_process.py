"""The LRS as users run it: `python -m service serve` listening on a real port."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.builders import statement
from tests.server.served import running_lrs

KEY, SECRET = "proc-key", "proc-secret"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A served LRS on a fresh SQLite file; stops with SIGTERM after the module."""
    with running_lrs(tmp_path_factory.mktemp("server"), KEY, SECRET) as base:
        yield base


def _client(base: str, version: str) -> httpx.Client:
    return httpx.Client(
        base_url=base, auth=(KEY, SECRET), headers={"X-Experience-API-Version": version}
    )


@pytest.mark.parametrize("version", ["1.0.3", "2.0.0"])
def test_served_statement_round_trip(server: str, version: str) -> None:
    """SR-2, SR-30, T-19: over a real socket, with Date and Consistent-Through headers."""
    with _client(server, version) as client:
        stmt = statement()
        posted = client.post("/xapi/statements", json=[stmt])
        assert posted.status_code == 200
        assert posted.json() == [stmt["id"]]
        got = client.get("/xapi/statements", params={"statementId": stmt["id"]})
        assert got.status_code == 200
        assert got.json()["actor"] == stmt["actor"]
        assert got.headers["X-Experience-API-Version"] == version
        assert "date" in got.headers
        assert "X-Experience-API-Consistent-Through" in got.headers
        listed = client.get("/xapi/statements")
        assert listed.status_code == 200
        assert stmt["id"] in [s["id"] for s in listed.json()["statements"]]


def test_served_head_has_no_body(server: str) -> None:
    """T-20: HEAD over a real server answers headers only."""
    with _client(server, "2.0.0") as client:
        response = client.head("/xapi/statements")
    assert response.status_code == 200
    assert response.content == b""


def test_served_rejects_without_credentials(server: str) -> None:
    """AU-2: the served LRS wants credentials on statements, not on about (T-4)."""
    assert httpx.get(f"{server}/xapi/about").status_code == 200
    response = httpx.get(f"{server}/xapi/statements", headers={"X-Experience-API-Version": "1.0.3"})
    assert response.status_code == 401

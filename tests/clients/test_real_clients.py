"""Real xAPI client libraries run their normal content session against a served LRS.

TinCanPython comes from the `test` extra; xAPI.js and TinCanJS from tests/clients/package.json,
which `make test` installs with `npm ci`. A missing Node or npm install fails, never skips: these
tests are the proof that clients in the field work, so CI must run them.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.clients.plan import SessionPlan, new_plan
from tests.clients.tincanpython_session import run_session
from tests.server.served import running_lrs

HERE = Path(__file__).resolve().parent
KEY = "client-key"
SECRET = "client-secret-value"
V1 = ["1.0.0", "1.0.1", "1.0.2", "1.0.3"]
EVERY_VERSION = [*V1, "2.0.0"]
SESSION_SECONDS = 120


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One served LRS for the module; every session uses its own agent and registration."""
    with running_lrs(tmp_path_factory.mktemp("clients"), KEY, SECRET) as base:
        yield f"{base}/xapi/"


def _node_session(script: str, plan: SessionPlan) -> dict[str, Any]:
    node = shutil.which("node")
    assert node is not None, "Node.js is needed for the real-client tests (apt-get install nodejs)"
    assert (HERE / "node_modules" / ".package-lock.json").exists(), (
        "the client libraries are not installed: run `make test` (or `npm ci` in tests/clients)"
    )
    done = subprocess.run(
        [node, script, json.dumps(plan)],
        cwd=HERE,
        capture_output=True,
        text=True,
        timeout=SESSION_SECONDS,
        check=False,
    )
    assert done.returncode == 0, f"{script} failed:\n{done.stderr}"
    report: dict[str, Any] = json.loads(done.stdout)
    return report


def _check_session(plan: SessionPlan, report: dict[str, Any]) -> None:
    """What the client saw, and what the LRS holds afterwards seen by a plain HTTP client."""
    single, batch, voiding = report["single"], report["batch"], report["voiding"]
    assert len(batch) == 2
    assert len({single, *batch, voiding}) == 4
    assert report["retrieved"] == {"id": single, "object": plan["activity"], "actor": plan["mbox"]}
    assert set(report["queried"]) == {single, *batch}
    assert report["voided"] == single
    # The voiding statement refers to a statement that matches the filter (SR StatementRef rule).
    assert set(report["remaining"]) == {*batch, voiding}
    assert report["state"] == plan["states"]

    headers = {"X-Experience-API-Version": plan["version"]}
    with httpx.Client(base_url=plan["endpoint"], auth=(KEY, SECRET), headers=headers) as http:
        assert http.get("statements", params={"statementId": single}).status_code == 404
        assert http.get("statements", params={"voidedStatementId": single}).status_code == 200
        where = {"activityId": plan["activity"], "agent": json.dumps({"mbox": plan["mbox"]})}
        where["stateId"] = plan["state_id"]
        plain = http.get("activities/state", params=where)
        registered = http.get(
            "activities/state", params={**where, "registration": plan["registration"]}
        )
    assert plain.json() == plan["states"]["plain"]
    assert registered.json() == plan["states"]["registered"]


@pytest.mark.parametrize("version", ["1.0.3", "1.0.0"])
def test_tincanpython_session(endpoint: str, version: str) -> None:
    """TinCanPython 1.0.0: about() returns the LRS's 1.0.x versions instead of raising (RS-9)."""
    plan = new_plan(endpoint, KEY, SECRET, version)
    report = run_session(plan)
    assert report["sentVersion"] == version
    assert report["about"]["versions"] == V1
    _check_session(plan, report)


@pytest.mark.parametrize(
    ("version", "adapter", "versions"),
    [("1.0.3", "axios", V1), ("2.0.0", "axios", EVERY_VERSION), ("2.0.0", "fetch", EVERY_VERSION)],
)
def test_xapijs_session(endpoint: str, version: str, adapter: str, versions: list[str]) -> None:
    """xAPI.js (@xapi/xapi) in both version families and with both of its HTTP adapters."""
    plan = new_plan(endpoint, KEY, SECRET, version, adapter)
    report = _node_session("xapijs_session.js", plan)
    assert report["about"] == {"versions": versions, "answeredVersion": version}
    _check_session(plan, report)


@pytest.mark.parametrize("version", ["1.0.2", "1.0.0"])
def test_tincanjs_session(endpoint: str, version: str) -> None:
    """TinCanJS's Node build; its newest version is 1.0.2, the header authoring tools send (T-1)."""
    plan = new_plan(endpoint, KEY, SECRET, version)
    report = _node_session("tincanjs_session.js", plan)
    assert report["sentVersion"] == version
    assert report["about"] == {"versions": V1}
    _check_session(plan, report)

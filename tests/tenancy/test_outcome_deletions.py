"""Erasure and retention reach outcome state (issue 5, issue 20 item 3): an erased learner's
evidence, attainments, roster entries and history go; statements deleted by either have their
evidence retracted, and attainments that no longer hold are withdrawn, as a void would (SR-20).

On every store that keeps outcome state (the tests skip where the API answers 501).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from fastapi import FastAPI

from service.app import create_app
from tests.builders import agent
from tests.cli_support import run_cli
from tests.conftest import BASIC, make_settings
from tests.outcomes.support import PASSED, attainments, learners, passed, post_statements, put_map
from tests.tenancy_support import client, runtime_of

pytestmark = pytest.mark.asyncio
OLD, NEW = "2019-03-01T09:00:00.000Z", "2099-01-01T00:00:00.000Z"
TWO_PASSES = {
    "name": "Two passes",
    "outcomes": [
        {"id": "o1", "name": "Two passes", "criteria": {"verbs": [PASSED], "at_least": 2}}
    ],
}
ROSTER = [
    {"learner": f"{who}@example.org", "department": "Sales", "name": who.title()}
    for who in ("erin", "gus", "ian")
]


@pytest.fixture
async def api(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    if runtime_of(app).store.outcomes is None:
        pytest.skip("this store keeps no outcome state yet")
    async with client(app, None) as c:
        c.headers["Authorization"] = BASIC
        yield c


async def _roster(api: httpx.AsyncClient) -> set[str]:
    response = await api.get("/outcomes/roster")
    assert response.status_code == 200, response.text
    return {e["learner"] for e in response.json()["entries"]}


async def _history(api: httpx.AsyncClient, who: str) -> list[Any]:
    response = await api.get("/outcomes/roster/history", params={"learner": f"{who}@example.org"})
    assert response.status_code == 200, response.text
    entries: list[Any] = response.json()["entries"]
    return entries


async def _progress(api: httpx.AsyncClient, who: str) -> dict[str, Any]:
    response = await api.get("/outcomes/progress", params={"learner": f"{who}@example.org"})
    assert response.status_code == 200, response.text
    [outcome] = response.json()["outcomes"]
    found: dict[str, Any] = outcome
    return found


async def test_erasing_a_learner_takes_their_outcome_state_and_retracts_evidence(
    api: httpx.AsyncClient,
) -> None:
    erin = agent("erin")
    about_erin = passed("ian", timestamp=NEW)
    about_erin["object"] = erin  # evidence for ian (a statement about erin): deleted with her
    await post_statements(
        api,
        passed("erin", "m1"),
        passed("erin", "m2"),
        passed("gus", "m1"),
        passed("gus", "m2"),
        passed("ian", "m1"),
        about_erin,
    )
    assert (await api.put("/outcomes/roster", json=ROSTER)).status_code == 200
    moved = [{"learner": "erin@example.org", "department": "Support"}]
    assert (await api.post("/outcomes/roster", json=moved)).status_code == 200
    await put_map(api, TWO_PASSES)
    assert learners(await attainments(api)) == [
        "mailto:erin@example.org",
        "mailto:gus@example.org",
        "mailto:ian@example.org",
    ]
    assert len(await _history(api, "erin")) == 2

    erased = await api.post(
        "/admin/tenants/default/erasures", json={"agent": {"mbox": erin["mbox"]}}
    )
    assert erased.status_code == 201, erased.text
    counts = erased.json()["counts"]
    assert counts["statements_deleted"] == 3
    # 2 evidence rows, 1 attainment, 1 roster entry, 2 history entries, 2 department stints
    assert counts["outcome_rows_deleted"] == 8

    assert learners(await attainments(api)) == ["mailto:gus@example.org"]  # ian: 1 pass left
    assert "mailto:erin@example.org" not in await _roster(api)
    assert await _history(api, "erin") == []
    for who, count in (("erin", 0), ("ian", 1), ("gus", 2)):
        progress = await _progress(api, who)
        assert [c["count"] for c in progress["criteria"]] == [count]
    ian = await _progress(api, "ian")
    assert about_erin["id"] not in ian["criteria"][0]["statements"]


async def test_retention_retracts_evidence_without_evaluating_again(
    api: httpx.AsyncClient,
) -> None:
    await post_statements(
        api,
        passed("ann", "m1", timestamp=OLD),
        passed("ann", "m2"),
        passed("bob", "m1", timestamp=OLD),
        passed("bob", "m2"),
        passed("bob", "m3"),
    )
    await put_map(api, TWO_PASSES)
    assert learners(await attainments(api)) == ["mailto:ann@example.org", "mailto:bob@example.org"]
    policy = {"period": "P3Y", "field": "timestamp"}
    assert (await api.put("/admin/tenants/default/retention", json=policy)).status_code == 200

    run = await api.post("/admin/tenants/default/retention/run", json={"dry_run": False})
    assert run.status_code == 200, run.text
    assert run.json()["statements"] == 2

    # the run answers once the evidence is retracted: no map version is added or re-evaluated
    versions = (await api.get("/outcomes/map/evaluation")).json()["versions"]
    assert [(v["version"], v["status"]) for v in versions] == [(1, "current")]
    [bob] = await attainments(api)
    assert bob["learner"] == "mailto:bob@example.org"  # two passes left; ann has one
    assert [c["count"] for c in (await _progress(api, "ann"))["criteria"]] == [1]
    assert [c["count"] for c in (await _progress(api, "bob"))["criteria"]] == [2]


async def test_the_command_line_retracts_in_its_own_process(tmp_path: Path) -> None:
    """`retention run` and `erase` from the command line leave outcome state as the service
    would: no map evaluated again, the retracted attainments gone when the service starts
    (on an SQLite file, which the commands open themselves)."""
    settings = make_settings(tmp_path)
    application = create_app(settings)
    async with application.router.lifespan_context(application), client(application, None) as c:
        c.headers["Authorization"] = BASIC
        await post_statements(
            c,
            passed("ann", "m1", timestamp=OLD),
            passed("ann", "m2"),
            passed("bob", "m1"),
            passed("bob", "m2"),
            passed("cat", "m1"),
            passed("cat", "m2"),
        )
        await put_map(c, TWO_PASSES)
        assert len(await attainments(c)) == 3
    store = tmp_path / "lrs.sqlite3"
    policy = ("retention", "set", "default", "--period", "P3Y", "--field", "timestamp")
    assert run_cli(*policy, store=store).returncode == 0
    assert run_cli("retention", "run", "default", store=store).returncode == 0
    bob = orjson.dumps(agent("bob")).decode()
    erased = run_cli("erase", "--agent", bob, "--json", store=store)
    assert erased.returncode == 0, erased.stderr
    counts = orjson.loads(erased.stdout)["counts"]
    assert counts["outcome_rows_deleted"] == 3  # two evidence rows and one attainment

    application = create_app(settings)
    async with application.router.lifespan_context(application), client(application, None) as c:
        c.headers["Authorization"] = BASIC
        assert learners(await attainments(c)) == ["mailto:cat@example.org"]
        versions = (await c.get("/outcomes/map/evaluation")).json()["versions"]
        assert [v["version"] for v in versions] == [1]

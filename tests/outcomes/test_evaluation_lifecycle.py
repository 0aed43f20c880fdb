"""Voiding retracts evidence, new map versions re-evaluate history, nothing is missed on restart."""

from __future__ import annotations

from pathlib import Path

import httpx
import orjson

from service.app import create_app
from service.model.statements import StatementWrite
from service.store.sqlite import SQLiteStore
from service.xapi.preparation import prepare_statement
from tests.builders import voiding
from tests.conftest import client_for, make_settings
from tests.outcomes.support import (
    PASSED,
    attainments,
    learners,
    one_outcome_map,
    passed,
    post_statements,
    put_map,
    settle,
)

TWO_PASSES = one_outcome_map({"all": [{"verbs": [PASSED], "at_least": 2}]})


async def test_voiding_retracts_evidence_and_attainment(api: httpx.AsyncClient) -> None:
    await put_map(api, TWO_PASSES)
    first, second = passed("ann", "m1"), passed("ann", "m2")
    await post_statements(api, first, second)
    assert learners(await attainments(api)) == ["mailto:ann@example.org"]
    await post_statements(api, voiding(second["id"]))
    assert await attainments(api) == []
    third = passed("ann", "m3")
    await post_statements(api, third)
    (again,) = await attainments(api, evidence="true")
    assert sorted(again["evidence"][0]["statements"]) == sorted([first["id"], third["id"]])


async def test_voided_before_evaluation_never_counts(api: httpx.AsyncClient) -> None:
    first, second = passed("bob", "m1"), passed("bob", "m2")
    await post_statements(api, first, second, voiding(first["id"]))
    await put_map(api, TWO_PASSES)
    assert await attainments(api) == []


async def test_new_version_reevaluates_history_with_progress(api: httpx.AsyncClient) -> None:
    await post_statements(api, passed("ann", "m1"), passed("bob", "m1"), passed("bob", "m2"))
    assert await put_map(api, one_outcome_map({"all": [{"verbs": [PASSED]}]})) == 1
    assert len(await attainments(api)) == 2
    assert await put_map(api, TWO_PASSES) == 2
    await settle(api)
    found = await attainments(api)
    assert learners(found) == ["mailto:bob@example.org"]
    versions = (await api.get("/outcomes/map/versions")).json()["versions"]
    assert [(v["version"], v["status"]) for v in versions] == [(1, "retired"), (2, "current")]
    progress = (await api.get("/outcomes/map/evaluation")).json()["versions"]
    assert progress == [
        {
            "name": "default",
            "version": 2,
            "status": "current",
            "evaluated_statements": 3,
            "pending_statements": 0,
            "progress": 1.0,
        }
    ]
    current = (await api.get("/outcomes/map")).json()
    assert current["version"] == 2
    assert current["map"]["outcomes"][0]["criteria"]["all"][0]["at_least"] == 2


async def test_statements_stored_while_stopped_are_evaluated_at_start(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    app = create_app(settings)
    async with app.router.lifespan_context(app), client_for(app, None) as api:
        await put_map(api, one_outcome_map({"all": [{"verbs": [PASSED]}]}))
        await settle(api)
    store = SQLiteStore(tmp_path / "lrs.sqlite3")
    await store.open()
    raw = orjson.loads(orjson.dumps(passed("cat")))
    new = prepare_statement(raw, version="2.0.0", authority={"mbox": "mailto:x@example.org"})
    await store.statements.store_statements(StatementWrite("default", [new], []))
    await store.close()
    app = create_app(settings)
    async with app.router.lifespan_context(app), client_for(app, None) as api:
        assert learners(await attainments(api)) == ["mailto:cat@example.org"]


async def test_emitted_attainment_statements(api: httpx.AsyncClient) -> None:
    """With emit enabled, attainments become xAPI statements, voided when retracted."""
    outcome_map = {**one_outcome_map({"all": [{"verbs": [PASSED]}]}), "emit": {"enabled": True}}
    await put_map(api, outcome_map)
    source = passed("dee", "m1")
    await post_statements(api, source)
    await settle(api)
    headers = {"X-Experience-API-Version": "2.0.0"}
    mastered = "http://adlnet.gov/expapi/verbs/mastered"
    response = await api.get("/xapi/statements", params={"verb": mastered}, headers=headers)
    (announced,) = response.json()["statements"]
    assert announced["actor"]["mbox"] == "mailto:dee@example.org"
    assert announced["object"]["id"] == "http://lrs.test/outcomes/o1"
    assert announced["authority"]["account"]["name"] == "lrs-outcome-engine"
    assert len(await attainments(api)) == 1  # its own statement does not feed the map
    await post_statements(api, voiding(source["id"]))
    await settle(api)
    response = await api.get("/xapi/statements", params={"verb": mastered}, headers=headers)
    (void,) = response.json()["statements"]  # the voiding statement matches through its target
    assert void["object"] == {"objectType": "StatementRef", "id": announced["id"]}
    voided = await api.get(
        "/xapi/statements", params={"voidedStatementId": announced["id"]}, headers=headers
    )
    assert voided.status_code == 200

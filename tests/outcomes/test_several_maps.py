"""Several maps per tenant (one per programme), each versioned on its own."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import httpx

from service.app import create_app
from tests.conftest import client_for, make_settings
from tests.outcomes.support import (
    COMPLETED,
    PASSED,
    one_outcome_map,
    passed,
    post_statements,
    settle,
)

SALES = one_outcome_map({"verbs": [PASSED]})
LEADERSHIP = {
    "name": "Leadership",
    "outcomes": [{"id": "lead", "name": "Leads", "criteria": {"verbs": [COMPLETED]}}],
}


def _completed(who: str) -> dict[str, object]:
    built = passed(who, "lead-1")
    built["verb"] = {"id": COMPLETED}
    return built


async def test_maps_are_evaluated_and_versioned_each_on_its_own(api: httpx.AsyncClient) -> None:
    first = await api.put("/outcomes/map", json=SALES)
    assert (first.status_code, first.json()["version"]) == (201, 1)
    second = await api.put("/outcomes/maps/leadership", json=LEADERSHIP)
    assert second.status_code == 201
    assert (second.json()["name"], second.json()["version"]) == ("leadership", 1)
    assert second.headers["Location"] == "/outcomes/maps/leadership/versions/1"
    await post_statements(api, passed("ann"), _completed("bob"))
    again = await api.put("/outcomes/map", json=SALES)
    assert again.json()["version"] == 2
    await settle(api)
    listed = (await api.get("/outcomes/maps")).json()["maps"]
    assert [(m["name"], m["version"], m["status"]) for m in listed] == [
        ("default", 2, "current"),
        ("leadership", 1, "current"),
    ]
    sales = (await api.get("/outcomes/attainments")).json()
    assert (sales["map"], sales["map_version"]) == ("default", 2)
    assert [a["learner"] for a in sales["attainments"]] == ["mailto:ann@example.org"]
    lead = (await api.get("/outcomes/attainments", params={"map": "leadership"})).json()
    assert [(a["outcome"], a["learner"]) for a in lead["attainments"]] == [
        ("lead", "mailto:bob@example.org")
    ]
    rates = await api.get("/outcomes/rates", params={"map": "leadership", "until": "2030-01"})
    assert rates.status_code == 200
    versions = (await api.get("/outcomes/maps/leadership/versions")).json()["versions"]
    assert [v["version"] for v in versions] == [1]
    one = (await api.get("/outcomes/maps/leadership/versions/1")).json()
    assert one["map"]["name"] == "Leadership"
    assert (await api.get("/outcomes/maps/leadership")).json()["version"] == 1
    missing = await api.get("/outcomes/attainments", params={"map": "nope"})
    assert missing.status_code == 404
    assert "PUT /outcomes/maps/nope" in missing.json()["message"]
    assert (await api.get("/outcomes", params={"map": "bad name!"})).status_code == 400
    assert (await api.put("/outcomes/maps/bad%20name", json=SALES)).status_code == 400


async def test_a_store_made_before_named_maps_keeps_its_versions(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    app = create_app(settings)
    async with app.router.lifespan_context(app), client_for(app, None) as api:
        for _ in range(2):
            assert (await api.put("/outcomes/map", json=SALES)).status_code == 201
        await settle(api)
    with sqlite3.connect(tmp_path / "lrs.sqlite3") as conn:
        conn.execute("ALTER TABLE outcome_maps DROP COLUMN name")
        conn.execute("ALTER TABLE outcome_maps DROP COLUMN number")
    app = create_app(settings)
    async with app.router.lifespan_context(app), client_for(app, None) as api:
        versions = (await api.get("/outcomes/map/versions")).json()["versions"]
        assert [(v["name"], v["version"]) for v in versions] == [("default", 1), ("default", 2)]
        assert (await api.put("/outcomes/map", json=SALES)).json()["version"] == 3

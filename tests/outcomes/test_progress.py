"""Progress: "2 of 3 required" for a learner, and who in an org unit has not attained yet."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from service.app import create_app
from tests.conftest import client_for, make_settings
from tests.outcomes.support import COMPLETED, PASSED, passed, post_statements, put_map, settle

MAP = {
    "name": "Progress",
    "outcomes": [
        {
            "id": "ready",
            "name": "Ready to sell",
            "criteria": {
                "all": [
                    {"id": "m1", "verbs": [PASSED], "activities": ["http://example.org/act/m1"]},
                    {"id": "m2", "verbs": [PASSED], "activities": ["http://example.org/act/m2"]},
                    {"id": "calls", "verbs": [COMPLETED], "at_least": 2},
                ]
            },
        },
        {
            "id": "either",
            "name": "Either module",
            "criteria": {
                "any": [
                    {"verbs": [PASSED], "activities": ["http://example.org/act/x"]},
                    {"verbs": [COMPLETED], "activities": ["http://example.org/act/y"]},
                ]
            },
        },
    ],
}
SALES = [f"s{i}" for i in range(6)]
LEGAL = [f"l{i}" for i in range(4)]
ROSTER = [
    {"learner": f"{who}@example.org", "name": who.upper(), "department": unit}
    for unit, people in (("Sales", SALES), ("Legal", LEGAL))
    for who in people
]


def completed(who: str, slug: str) -> dict[str, Any]:
    built = passed(who, slug)
    built["verb"] = {"id": COMPLETED, "display": {"en-US": "completed"}}
    return built


@pytest.fixture
async def api(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(make_settings(tmp_path))  # the default minimum group size
    async with app.router.lifespan_context(app), client_for(app, None) as client:
        assert (await client.put("/outcomes/roster", json=ROSTER)).status_code == 200
        await put_map(client, MAP)
        yield client


async def _progress(api: httpx.AsyncClient, who: str) -> dict[str, Any]:
    await settle(api)
    response = await api.get("/outcomes/progress", params={"learner": f"{who}@example.org"})
    assert response.status_code == 200, response.text
    return {o["outcome"]: o for o in response.json()["outcomes"]}


async def test_a_learners_progress_says_how_far_they_got(api: httpx.AsyncClient) -> None:
    first, second, call = passed("s0", "m1"), passed("s0", "m2"), completed("s0", "c1")
    await post_statements(api, first, second, call)
    ready = (await _progress(api, "s0"))["ready"]
    assert (ready["attained"], ready["summary"]) == (False, "2 of 3 required")
    criteria = {c["criterion"]: c for c in ready["criteria"]}
    assert criteria["m1"] == {
        "criterion": "m1", "needed": 1, "count": 1, "met": True, "statements": [first["id"]],
    }  # fmt: skip
    assert (criteria["calls"]["count"], criteria["calls"]["met"]) == (1, False)
    assert criteria["calls"]["statements"] == [call["id"]]
    await post_statements(api, completed("s0", "c2"))
    progress = await _progress(api, "s0")
    assert (progress["ready"]["attained"], progress["ready"]["summary"]) == (
        True,
        "3 of 3 required",
    )
    assert progress["ready"]["attained_at"] is not None
    assert progress["either"]["summary"] == "0 of 1 required (any of 2)"
    nobody = await _progress(api, "l0")
    assert nobody["ready"]["summary"] == "0 of 3 required"
    assert all(c["statements"] == [] for c in nobody["ready"]["criteria"])


async def test_who_has_not_attained_in_a_unit(api: httpx.AsyncClient) -> None:
    await post_statements(
        api,
        passed("s0", "m1"), passed("s0", "m2"), completed("s0", "c1"), completed("s0", "c2"),
        passed("s1", "m1"),
    )  # fmt: skip
    await settle(api)
    query = {"outcome": "ready", "org_unit": "Sales"}
    sales = (await api.get("/outcomes/not-attained", params=query)).json()
    assert (sales["headcount"], sales["attained"], sales["not_attained"]) == (6, 1, 5)
    assert sales["suppressed"] == []
    names = [row["learner"] for row in sales["learners"]]
    assert names == [f"mailto:s{i}@example.org" for i in range(1, 6)]
    assert sales["learners"][0]["summary"] == "1 of 3 required"
    assert sales["learners"][0]["criteria_met"] == ["m1"]
    page = (await api.get("/outcomes/not-attained", params={**query, "limit": "2"})).json()
    assert page["cursor"] == "mailto:s2@example.org"
    rest = await api.get("/outcomes/not-attained", params={**query, "after": page["cursor"]})
    assert [row["name"] for row in rest.json()["learners"]] == ["S3", "S4", "S5"]
    legal = (await api.get("/outcomes/not-attained", params={**query, "org_unit": "Legal"})).json()
    assert (legal["headcount"], legal["attained"], legal["not_attained"]) == (None, None, None)
    assert legal["suppressed"][0]["reason"].startswith("fewer than 5 people")
    assert len(legal["learners"]) == 4  # named learners: this credential reads outcomes


async def test_missing_parameters_are_named(api: httpx.AsyncClient) -> None:
    await settle(api)
    cases = [
        ("/outcomes/progress", {}, "learner is required"),
        ("/outcomes/progress", {"learner": "a@example.org", "outcome": "x"}, "no outcome 'x'"),
        ("/outcomes/not-attained", {"outcome": "ready"}, "org_unit is required"),
        ("/outcomes/not-attained", {"org_unit": "Sales"}, "outcome is required"),
    ]
    for path, params, words in cases:
        response = await api.get(path, params=params)
        assert response.status_code == 400, (path, params)
        assert words in response.json()["message"]

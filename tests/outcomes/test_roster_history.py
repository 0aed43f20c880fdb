"""A roster with history: past periods count who was in which unit then."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from service.app import create_app
from tests.conftest import client_for, make_settings
from tests.outcomes.support import PASSED, one_outcome_map, passed, post_statements, put_map, settle

PEOPLE = [("ann", "Sales"), ("bob", "Sales"), ("cid", "Support"), ("dan", "Support")]
ROSTER = [{"learner": f"{who}@example.org", "department": unit} for who, unit in PEOPLE]


async def _setup(api: httpx.AsyncClient) -> None:
    assert (await api.put("/outcomes/roster", json=ROSTER)).status_code == 200
    await put_map(api, one_outcome_map({"all": [{"verbs": [PASSED]}]}))
    await post_statements(
        api,
        passed("ann", timestamp="2026-01-10T10:00:00Z"),
        passed("cid", timestamp="2026-02-10T10:00:00Z"),
    )
    await settle(api)


async def _rates(api: httpx.AsyncClient, **params: str) -> dict[tuple[str, str], Any]:
    response = await api.get("/outcomes/rates", params=params)
    assert response.status_code == 200, response.text
    return {(r["org_unit"], r["period"]): r for r in response.json()["rows"]}


async def test_a_move_today_leaves_last_quarter_unchanged(api: httpx.AsyncClient) -> None:
    await _setup(api)
    quarter = {"granularity": "quarter", "since": "2026-Q1", "until": "2026-Q1"}
    before = await _rates(api, **quarter)
    assert before[("Sales", "2026-Q1")]["rate"] == 0.5
    moved = [{"learner": "ann@example.org", "department": "Support"}]
    assert (await api.post("/outcomes/roster", json=moved)).status_code == 200
    assert await _rates(api, **quarter) == before
    this_month = datetime.now(UTC).strftime("%Y-%m")
    now = await _rates(api, since=this_month, until=this_month)
    # during the month of the move ann was in both units
    assert now[("Sales", this_month)]["headcount"] == 2
    assert now[("Support", this_month)]["headcount"] == 3
    query = {"learner": "ann@example.org"}
    history = (await api.get("/outcomes/roster/history", params=query)).json()
    today = datetime.now(UTC).date().isoformat()
    assert [(e["department"], e["valid_from"], e["valid_to"]) for e in history["entries"]] == [
        ("Sales", None, today),
        ("Support", today, None),
    ]
    current = (await api.get("/outcomes/roster")).json()["entries"]
    assert {e["learner"]: e["department"] for e in current}["mailto:ann@example.org"] == "Support"


async def test_an_effective_date_places_people_from_then(api: httpx.AsyncClient) -> None:
    await _setup(api)
    moved = [{"learner": "ann@example.org", "department": "Support"}]
    response = await api.post("/outcomes/roster", params={"effective": "2026-03-01"}, json=moved)
    assert response.status_code == 200, response.text
    rates = await _rates(api, since="2026-01", until="2026-04")
    assert rates[("Sales", "2026-02")]["headcount"] == 2
    assert rates[("Sales", "2026-03")]["headcount"] == 1  # ann left at the start of March
    assert rates[("Support", "2026-03")]["headcount"] == 3
    assert rates[("Support", "2026-04")] == {
        "outcome": "o1",
        "org_unit": "Support",
        "period": "2026-04",
        "headcount": 3,
        "attained": 2,
        "new": 0,
        "rate": 0.6667,
        "change": 0.0,
    }
    assert rates[("Support", "2026-02")]["change"] == 0.5  # cid: 0 -> 1 of 2
    replaced = await api.put("/outcomes/roster", params={"effective": "2026-04-01"}, json=ROSTER)
    assert replaced.status_code == 200
    again = await _rates(api, since="2026-03", until="2026-05")
    assert again[("Sales", "2026-03")]["headcount"] == 1  # March stays as it was
    assert again[("Sales", "2026-04")]["headcount"] == 2
    assert again[("Support", "2026-04")]["headcount"] == 2
    assert again[("Support", "2026-05")]["headcount"] == 2


async def test_a_team_change_inside_a_department_is_one_stint(api: httpx.AsyncClient) -> None:
    await _setup(api)
    moved = [{"learner": "ann@example.org", "department": "Sales", "team": "B"}]
    response = await api.post("/outcomes/roster", params={"effective": "2026-03-15"}, json=moved)
    assert response.status_code == 200
    rates = await _rates(api, since="2026-03", until="2026-03")
    assert rates[("Sales", "2026-03")]["headcount"] == 2  # ann once, not once per entry
    teams = await _rates(api, since="2026-03", until="2026-04", group_by="team")
    assert teams[("B", "2026-03")]["headcount"] == 1
    assert teams[("B", "2026-04")]["attained"] == 1


async def test_bad_effective_dates_are_refused(api: httpx.AsyncClient) -> None:
    for value in ("2026-13-01", "yesterday", "2999-01-01"):
        response = await api.post("/outcomes/roster", params={"effective": value}, json=ROSTER)
        assert response.status_code == 400, value
        assert "effective" in response.json()["message"]


async def test_a_roster_kept_before_history_holds_from_the_beginning(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, min_group_size=1)
    app = create_app(settings)
    async with app.router.lifespan_context(app), client_for(app, None) as api:
        await _setup(api)
    with sqlite3.connect(tmp_path / "lrs.sqlite3") as conn:
        conn.execute("DROP TABLE outcome_roster_history")
        conn.execute("DROP TABLE outcome_unit_history")
    app = create_app(settings)
    async with app.router.lifespan_context(app), client_for(app, None) as api:
        rates = await _rates(api, since="2026-01", until="2026-01")
        assert rates[("Sales", "2026-01")]["headcount"] == 2
        assert rates[("Support", "2026-01")]["headcount"] == 2

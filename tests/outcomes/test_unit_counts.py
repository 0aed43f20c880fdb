"""Rates and the KPI table equal counting every roster entry and attainment by definition,
through evaluation, voiding, roster changes and new map versions."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import httpx

from service.app import create_app
from service.model.outcomes import ROSTER_FIELDS
from service.outcomes.periods import Period, parse_period, periods_between, shift
from tests.builders import voiding
from tests.conftest import client_for, make_settings
from tests.outcomes.support import PASSED, attainments, passed, post_statements, put_map, settle

Row = tuple[Any, ...]
MAP = {
    "name": "Counts",
    "kpis": [{"id": "revenue", "name": "Revenue"}],
    "outcomes": [
        {
            "id": "first",
            "name": "First pass",
            "kpis": ["revenue"],
            "criteria": {"all": [{"verbs": [PASSED]}]},
            "levels": [
                {"level": 1, "name": "One", "at_least": 1},
                {"level": 2, "name": "Two", "at_least": 2},
            ],
        },
        {
            "id": "two",
            "name": "Two passes",
            "criteria": {"all": [{"verbs": [PASSED], "at_least": 2}]},
        },
    ],
}
KPIS = [
    {"kpi": "revenue", "org_unit": unit, "period": period, "value": value}
    for value, (unit, period) in enumerate(
        (unit, period)
        for unit in ("Sales", "Support", "EMEA", "APAC", "L1", "L2")
        for period in ("2026-01", "2026-02", "2026-03", "2026-04")
    )
]
RATES = [  # bucketed (few periods), day by day (many), from the first attainment (no since)
    {"granularity": "month", "since": "2026-01", "until": "2026-04"},
    {"granularity": "day", "since": "2025-12-30", "until": "2026-03-31"},
    {"granularity": "week", "until": "2026-W14"},
]
ROSTER = [
    {"learner": "ann@example.org", "department": "Sales", "team": "EMEA", "location": "Oslo"},
    {"learner": "bob@example.org", "department": "Sales", "team": "APAC", "role": "Rep"},
    {"learner": "cid@example.org", "department": "Support", "team": "L1", "manager": "ann"},
]


def copied(path: Path) -> set[Row]:
    """Attainments with the roster fields they carry for their filters."""
    fields = ", ".join(ROSTER_FIELDS)
    with sqlite3.connect(path) as conn:
        return set(conn.execute(f"SELECT version, learner, {fields} FROM outcome_attainments"))


def current(path: Path) -> set[Row]:
    """The same, from the current roster (what the copies stand in for)."""
    fields = ", ".join(f"r.{f}" for f in ROSTER_FIELDS)
    with sqlite3.connect(path) as conn:
        return set(
            conn.execute(
                f"SELECT a.version, a.learner, {fields} FROM outcome_attainments a "
                "LEFT JOIN outcome_roster r ON r.tenant = a.tenant AND r.learner = a.learner"
            )
        )


async def same_counts(api: httpx.AsyncClient, path: Path) -> set[Row]:
    """Assert the attainments carry the current roster's fields; the attainments."""
    await settle(api)
    expected = current(path)
    assert copied(path) == expected
    return expected


def on(who: str, day: str) -> dict[str, Any]:
    return passed(who, f"m-{day}", timestamp=f"2026-{day}T10:00:00Z")


async def test_counts_follow_evaluation_voiding_roster_and_versions(tmp_path: Path) -> None:
    app = create_app(make_settings(tmp_path, min_group_size=1))
    path = tmp_path / "lrs.sqlite3"
    async with app.router.lifespan_context(app), client_for(app, None) as api:
        assert (await api.put("/outcomes/roster", json=ROSTER)).status_code == 200
        await put_map(api, MAP)
        early, late = on("ann", "01-10"), on("ann", "02-20")
        await post_statements(
            api, early, on("bob", "01-11"), on("cid", "03-01"), on("dan", "01-12")
        )
        assert len(await same_counts(api, path)) > 0
        await post_statements(api, late, on("bob", "01-11"))  # ann: level 2, "two" attained
        await same_counts(api, path)
        await post_statements(api, voiding(early["id"]))  # ann's first pass moves to February
        await same_counts(api, path)
        moved = [{"learner": "ann@example.org", "department": "Support", "team": "L2"}]
        moved.append({"learner": "dan@example.org", "department": "Sales", "location": "Rome"})
        assert (await api.post("/outcomes/roster", json=moved)).status_code == 200
        await same_counts(api, path)
        l2 = await attainments(api, org_unit="L2", group_by="team")  # filters the copied fields
        assert [a["learner"] for a in l2] == ["mailto:ann@example.org"]
        assert (await api.put("/outcomes/roster", json=ROSTER[1:])).status_code == 200
        await same_counts(api, path)
        await put_map(api, {**MAP, "outcomes": MAP["outcomes"][:1]})  # re-evaluates history
        after = await same_counts(api, path)
        assert {row[0] for row in after} == {2}  # the retired version's attainments are gone
        await _reports_match_detailed(api, path)


def by_definition(
    path: Path, field: str, periods: list[Period]
) -> dict[tuple[str, str], tuple[int, int, int]]:
    """(unit, period) -> (people in the unit during the period, attained before its start,
    attained before its end), from every roster history entry and attainment."""
    with sqlite3.connect(path) as conn:
        history = conn.execute(
            f"SELECT learner, {field}, valid_from, valid_to FROM outcome_roster_history "
            f"WHERE {field} IS NOT NULL"
        ).fetchall()
        attained = dict(
            conn.execute(
                "SELECT learner, attained FROM outcome_attainments WHERE outcome = 'first'"
            ).fetchall()
        )
    out: dict[tuple[str, str], tuple[int, int, int]] = {}
    for period in periods:
        members: dict[str, set[str]] = {}
        for learner, unit, start, end in history:
            if start < period.end_ms and (end is None or end > period.start_ms):
                members.setdefault(unit, set()).add(learner)
        for unit, people in members.items():
            times = [attained[who] for who in people if who in attained]
            before = sum(t < period.start_ms for t in times)
            out[(unit, period.label)] = (len(people), before, sum(t < period.end_ms for t in times))
    return out


async def _reports_match_detailed(api: httpx.AsyncClient, path: Path) -> None:
    """Rates and the KPI table equal counting every roster entry and attainment afresh."""
    new_units = {"allow_new_units": "true"}  # L2 is in the roster only from today
    assert (await api.put("/outcomes/kpis", json=KPIS, params=new_units)).status_code == 200
    for field in ("department", "team"):
        for params in RATES:
            answer = await api.get("/outcomes/rates", params={"group_by": field, **params})
            rows = answer.json()["rows"]
            until = parse_period(params["until"])
            first = parse_period(params.get("since", rows[0]["period"] if rows else "2026"))
            expected = by_definition(path, field, periods_between(first, until))
            got = {(r["org_unit"], r["period"]): r for r in rows}
            assert set(got) == set(expected)
            for key, (members, before, after) in expected.items():
                row = got[key]
                assert (row["headcount"], row["attained"], row["new"]) == (
                    members, after, after - before,
                )  # fmt: skip
        for lag in (0, 1):
            table = await api.get("/outcomes/kpi-table", params={"group_by": field, "lag": lag})
            for row in table.json()["rows"]:
                measured = shift(parse_period(row["period"]), -lag)
                members, _, after = by_definition(path, field, [measured]).get(
                    (row["org_unit"], measured.label), (0, 0, 0)
                )
                assert (row["headcount"], row["attained"]) == (members, after)


async def test_count_tables_of_an_older_store_are_dropped(tmp_path: Path) -> None:
    path = tmp_path / "lrs.sqlite3"
    settings = make_settings(tmp_path)
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        pass
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE outcome_unit_days (tenant TEXT, count INTEGER)")
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        with sqlite3.connect(path) as conn:
            tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
        assert "outcome_unit_days" not in tables

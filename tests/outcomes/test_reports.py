"""Queries for dashboards: per org unit, per period, rates over time, outcome x KPI, scopes."""

from __future__ import annotations

import base64
from typing import Any

import httpx
from fastapi import FastAPI

from service.tenancy.auth import new_credential
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

ROSTER = [
    {"learner": f"{name}@example.org", "name": name.title(), "department": dept, "team": team}
    for name, dept, team in [
        ("ann", "Sales", "EMEA"),
        ("bob", "Sales", "EMEA"),
        ("cid", "Sales", "APAC"),
        ("dan", "Sales", "APAC"),
        ("eve", "Support", "L1"),
        ("fay", "Support", "L1"),
    ]
]
KPIS = [
    {"kpi": "revenue", "org_unit": unit, "period": period, "value": value}
    for unit, period, value in [
        ("Sales", "2026-01", 100),
        ("Sales", "2026-02", 130),
        ("Sales", "2026-03", 160),
        ("Support", "2026-01", 50),
        ("Support", "2026-02", 50),
        ("Support", "2026-03", 55),
    ]
]


async def _setup(api: httpx.AsyncClient) -> None:
    def on(who: str, day: str) -> dict[str, Any]:
        return passed(who, "m1", timestamp=f"2026-{day}T10:00:00Z")

    assert (await api.put("/outcomes/roster", json=ROSTER)).status_code == 200
    assert (await api.put("/outcomes/kpis", json=KPIS)).status_code == 200
    outcome_map = one_outcome_map({"all": [{"verbs": [PASSED]}]}, kpis=["revenue"])
    await put_map(api, outcome_map)
    await post_statements(
        api,
        on("ann", "01-15"),
        on("bob", "02-10"),
        on("cid", "02-20"),
        on("eve", "03-05"),
        on("zed", "03-06"),  # not on the roster
    )
    await settle(api)


async def test_attainments_per_unit_period_and_learner(api: httpx.AsyncClient) -> None:
    await _setup(api)
    sales = await attainments(api, org_unit="Sales")
    assert learners(sales) == [f"mailto:{n}@example.org" for n in ("ann", "bob", "cid")]
    assert sales[0]["department"] == "Sales"
    assert sales[0]["team"] == "EMEA"
    apac = await attainments(api, org_unit="APAC", group_by="team")
    assert learners(apac) == ["mailto:cid@example.org"]
    february = await attainments(api, period="2026-02")
    assert learners(february) == ["mailto:bob@example.org", "mailto:cid@example.org"]
    ranged = await attainments(api, since="2026-03-01T00:00:00Z", until="2026-03-06T00:00:00Z")
    assert learners(ranged) == ["mailto:eve@example.org"]
    page = (await api.get("/outcomes/attainments", params={"limit": "2"})).json()
    rest = (await api.get("/outcomes/attainments", params={"cursor": page["cursor"]})).json()
    assert len(page["attainments"]) == 2
    assert len(rest["attainments"]) == 3
    listed = (await api.get("/outcomes")).json()
    assert listed["outcomes"][0]["attained"] == 5
    assert listed["outcomes"][0]["kpis"] == ["revenue"]
    bad = await api.get("/outcomes/attainments", params={"period": "2026-14"})
    assert bad.status_code == 400


async def test_rates_over_time_per_unit(api: httpx.AsyncClient) -> None:
    await _setup(api)
    response = await api.get("/outcomes/rates", params={"since": "2026-01", "until": "2026-03"})
    rows = {(r["org_unit"], r["period"]): r for r in response.json()["rows"]}
    assert rows[("Sales", "2026-01")] == {
        "outcome": "o1",
        "org_unit": "Sales",
        "period": "2026-01",
        "headcount": 4,
        "attained": 1,
        "new": 1,
        "rate": 0.25,
        "change": 0.25,
    }
    assert (rows[("Sales", "2026-02")]["attained"], rows[("Sales", "2026-02")]["new"]) == (3, 2)
    assert rows[("Support", "2026-03")]["rate"] == 0.5
    quarterly = await api.get(
        "/outcomes/rates", params={"granularity": "quarter", "since": "2026-Q1", "until": "2026-Q1"}
    )
    assert [(r["org_unit"], r["rate"]) for r in quarterly.json()["rows"]] == [
        ("Sales", 0.75),
        ("Support", 0.5),
    ]


async def test_outcome_kpi_table_with_correlation(api: httpx.AsyncClient) -> None:
    await _setup(api)
    table = (await api.get("/outcomes/kpi-table")).json()
    cells = {(r["org_unit"], r["period"]): r for r in table["rows"]}
    assert cells[("Sales", "2026-02")]["attainment_rate"] == 0.75
    assert cells[("Sales", "2026-02")]["kpi_value"] == 130
    assert cells[("Support", "2026-01")]["attainment_rate"] == 0.0
    (link,) = table["correlations"]
    assert link["outcome"] == "o1"
    assert link["kpi"] == "revenue"
    assert link["n"] == 6
    assert 0.8 < link["pearson_r"] <= 1
    lagged = (await api.get("/outcomes/kpi-table", params={"lag": "1"})).json()
    lag_cells = {(r["org_unit"], r["period"]): r for r in lagged["rows"]}
    assert lag_cells[("Sales", "2026-02")]["attainment_rate"] == 0.25
    assert lag_cells[("Sales", "2026-02")]["rate_measured_at"] == "2026-02-01"


async def test_scopes_guard_outcomes(app: FastAPI, api: httpx.AsyncClient) -> None:
    store = app.state.runtime.store
    reader = new_credential(name="reader", scopes=("outcomes/read",))
    xapi_only = new_credential(name="xapi", scopes=("statements/read", "statements/write"))
    for issued in (reader, xapi_only):
        await store.accounts.add_credential(issued.record)
    await put_map(api, one_outcome_map({"all": [{"verbs": [PASSED]}]}))
    await settle(api)

    def auth(issued: Any) -> dict[str, str]:
        token = base64.b64encode(f"{issued.key}:{issued.secret}".encode()).decode()
        return {"Authorization": f"Basic {token}"}

    assert (await api.get("/outcomes", headers=auth(reader))).status_code == 200
    assert (await api.get("/outcomes", headers=auth(xapi_only))).status_code == 403
    denied = await api.put("/outcomes/roster", json=ROSTER, headers=auth(reader))
    assert denied.status_code == 403
    export = await api.get("/exports/statements.csv", headers=auth(reader))
    assert export.status_code == 403
    assert (await api.get("/outcomes", headers={"Authorization": ""})).status_code == 401

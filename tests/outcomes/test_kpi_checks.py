"""KPI uploads must make sense: known org units, one granularity per KPI, a direction."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import httpx

from tests.cli_support import run_cli
from tests.outcomes.support import PASSED, one_outcome_map, put_map, settle

ROSTER = [
    {"learner": f"p{i}@example.org", "department": unit}
    for i, unit in enumerate(["Sales DACH"] * 3 + ["Support"] * 3)
]
CSV = {"Content-Type": "text/csv"}


async def test_a_misspelt_unit_is_refused_with_its_line_and_the_known_units(
    api: httpx.AsyncClient,
) -> None:
    assert (await api.put("/outcomes/roster", json=ROSTER)).status_code == 200
    upload = (
        "kpi,org_unit,period,value\nrevenue,Sales DACH,2026-01,10\nrevenue,Sales Dach,2026-01,9\n"
    )
    refused = await api.post("/outcomes/kpis", content=upload, headers=CSV)
    assert refused.status_code == 400
    (problem,) = refused.json()["errors"]
    assert (problem["line"], problem["field"]) == (3, "org_unit")
    assert "'Sales Dach' is not in the roster during 2026-01" in problem["message"]
    assert "known units: Sales DACH, Support" in problem["message"]
    assert (await api.get("/outcomes/kpis")).json() == {"observations": []}
    allowed = await api.post(
        "/outcomes/kpis", content=upload, headers=CSV, params={"allow_new_units": "true"}
    )
    assert allowed.json()["imported"] == 2


async def test_a_unit_counts_only_for_the_periods_it_existed(api: httpx.AsyncClient) -> None:
    assert (await api.put("/outcomes/roster", json=ROSTER)).status_code == 200
    opened = [{"learner": "p9@example.org", "department": "Legal"}]
    moved = await api.post("/outcomes/roster", params={"effective": "2026-03-01"}, json=opened)
    assert moved.status_code == 200
    rows = [
        {"kpi": "cost", "org_unit": "Legal", "period": period, "value": 1}
        for period in ("2026-02", "2026-03")
    ]
    refused = await api.post("/outcomes/kpis", json=rows)
    assert [e["path"] for e in refused.json()["errors"]] == ["$[0].org_unit"]
    assert (await api.post("/outcomes/kpis", json=rows[1:])).status_code == 200


async def test_one_granularity_per_kpi(api: httpx.AsyncClient) -> None:
    assert (await api.put("/outcomes/roster", json=ROSTER)).status_code == 200
    mixed = (
        "kpi,org_unit,period,value\n"
        "revenue,Support,2026-01,1\nrevenue,Support,2026-Q1,3\nwins,Support,2026-Q1,2\n"
    )
    refused = await api.post("/outcomes/kpis", content=mixed, headers=CSV)
    (problem,) = refused.json()["errors"]
    assert (problem["line"], problem["field"]) == (3, "period")
    assert (
        "is a quarter; KPI 'revenue' is reported per month (as line 2 says)" in problem["message"]
    )
    monthly = "kpi,org_unit,period,value\nrevenue,Support,2026-01,1\n"
    assert (await api.post("/outcomes/kpis", content=monthly, headers=CSV)).status_code == 200
    quarterly = "kpi,org_unit,period,value\nrevenue,Support,2026-Q1,3\n"
    added = await api.post("/outcomes/kpis", content=quarterly, headers=CSV)
    assert "as the stored observations say" in added.json()["errors"][0]["message"]
    replaced = await api.put("/outcomes/kpis", content=quarterly, headers=CSV)
    assert replaced.status_code == 200


async def test_the_kpi_table_says_which_direction_is_better(api: httpx.AsyncClient) -> None:
    assert (await api.put("/outcomes/roster", json=ROSTER)).status_code == 200
    outcome_map = one_outcome_map({"all": [{"verbs": [PASSED]}]}, kpis=["revenue"])
    outcome_map["kpis"] = [{"id": "revenue", "name": "Churn", "higher_is_better": False}]
    await put_map(api, outcome_map)
    await settle(api)
    (link,) = (await api.get("/outcomes/kpi-table")).json()["correlations"]
    assert link["higher_is_better"] is False


def test_the_cli_imports_kpis_with_the_same_checks(tmp_path: Path) -> None:
    store = tmp_path / "lrs.sqlite3"
    upload = tmp_path / "kpis.csv"
    upload.write_text("kpi,org_unit,period,value\nrevenue,Nowhere,2026-01,1\n")
    refused = run_cli("kpis", "import", str(upload), store=store)
    assert refused.returncode == 2
    assert "line 2: org unit 'Nowhere' is not in the roster" in refused.stderr
    done = run_cli("kpis", "import", str(upload), "--allow-new-units", store=store)
    assert (done.returncode, done.stdout.strip()) == (0, "imported 1 observations")
    with sqlite3.connect(store) as conn:
        assert conn.execute("SELECT org_unit, value FROM outcome_kpis").fetchall() == [
            ("Nowhere", 1.0)
        ]

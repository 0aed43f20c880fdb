"""Bad input: an invalid map lists every problem; a bad roster/KPI row is named by line."""

from __future__ import annotations

import httpx

from tests.outcomes.support import PASSED, one_outcome_map, put_map

BAD_MAP = {
    "name": "",
    "kpis": [{"id": "rev", "name": "Revenue"}, {"id": "rev", "name": "Again"}],
    "outcomes": [
        {
            "id": "a b",
            "name": "A",
            "kpis": ["nope"],
            "criteria": {"all": [{"verbs": ["passed"], "at_least": 0, "colour": "red"}]},
        },
        {
            "id": "b",
            "name": "B",
            "criteria": {"all": [{"id": "c", "verbs": [PASSED]}], "any": [{"verbs": [PASSED]}]},
            "levels": [
                {"level": 2, "name": "Two", "at_least": 3},
                {"level": 1, "name": "One", "at_least": 1},
            ],
            "level_criterion": "missing",
        },
    ],
}


async def test_invalid_map_lists_every_problem(api: httpx.AsyncClient) -> None:
    response = await api.put("/outcomes/map", json=BAD_MAP)
    assert response.status_code == 400
    body = response.json()
    problems = {(p["path"], p["message"]) for p in body["errors"]}
    assert body["message"] == f"the outcome map was rejected: {len(problems)} problems"
    paths = {path for path, _ in problems}
    assert paths == {
        "$.name",
        "$.kpis[1].id",
        "$.outcomes[0].id",
        "$.outcomes[0].kpis[0]",
        "$.outcomes[0].criteria.all[0].verbs[0]",
        "$.outcomes[0].criteria.all[0].at_least",
        "$.outcomes[0].criteria.all[0].colour",
        "$.outcomes[1].criteria",
        "$.outcomes[1].levels[1]",
        "$.outcomes[1].level_criterion",
    }
    assert ("$.outcomes[0].criteria.all[0].verbs[0]", "must be an absolute IRI (scheme:...)") in (
        problems
    )
    assert ("$.outcomes[0].kpis[0]", "no KPI with id 'nope' in this map's kpis") in problems
    assert (await api.get("/outcomes/map")).status_code == 404  # nothing was stored


async def test_yaml_map_and_dry_run_validation(api: httpx.AsyncClient) -> None:
    yaml_map = f"""
name: From YAML
outcomes:
  - id: first
    name: First pass
    criteria:
      all:
        - verbs: ["{PASSED}"]
          window: {{start: 2026-01-01T00:00:00Z}}
"""
    headers = {"Content-Type": "application/yaml"}
    checked = await api.post("/outcomes/map/validate", content=yaml_map, headers=headers)
    assert checked.json() == {"valid": True, "outcomes": 1}
    assert (await api.get("/outcomes/map/versions")).json() == {"versions": []}
    stored = await api.put("/outcomes/map", content=yaml_map, headers=headers)
    assert stored.status_code == 201
    assert stored.headers["Location"] == "/outcomes/map/versions/1"
    bad = await api.put("/outcomes/map", content="name: [unclosed", headers=headers)
    assert bad.status_code == 400
    assert "YAML" in bad.json()["message"]


ROSTER_CSV = """learner,name,department,team,manager,location,role
ann@example.org,Ann,Sales,EMEA,mailto:boss@example.org,Berlin,AE
not-an-email,Bob,Sales,EMEA,,,AE
mailto:cid@example.org,Cid,Support,,,,
ann@example.org,Ann again,Sales,,,,
dan@example.org,Dan,Sales
"""


async def test_bad_roster_rows_are_named_by_line_and_nothing_is_imported(
    api: httpx.AsyncClient,
) -> None:
    csv_headers = {"Content-Type": "text/csv"}
    response = await api.put("/outcomes/roster", content=ROSTER_CSV, headers=csv_headers)
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"line": 6, "message": "has 3 cells; the header has 7"},
    ]
    fixed = ROSTER_CSV.replace("dan@example.org,Dan,Sales", "dan@example.org,Dan,Sales,,,,")
    response = await api.put("/outcomes/roster", content=fixed, headers=csv_headers)
    errors = response.json()["errors"]
    assert [(e["line"], e["field"]) for e in errors] == [(3, "learner"), (5, "learner")]
    assert errors[1]["message"] == "repeats the row at line 2"
    assert (await api.get("/outcomes/roster")).json() == {"entries": []}
    good = "\n".join(line for i, line in enumerate(fixed.splitlines()) if i not in (2, 4))
    response = await api.put("/outcomes/roster", content=good, headers=csv_headers)
    assert response.json() == {"imported": 3}
    entries = (await api.get("/outcomes/roster")).json()["entries"]
    assert entries[0]["learner"] == "mailto:ann@example.org"
    assert entries[0]["manager"] == "mailto:boss@example.org"


async def test_bad_kpi_rows_csv_and_json(api: httpx.AsyncClient) -> None:
    kpi_csv = (
        "kpi,org_unit,period,value\n"
        "revenue,Sales,2026-Q1,120.5\n"
        "revenue,Sales,2026-13,1\n"
        "revenue,Sales,2026-Q1,99\n"
        "bad id,Sales,2026,1\n"
        "revenue,Support,2026-02,lots\n"
    )
    response = await api.post(
        "/outcomes/kpis", content=kpi_csv, headers={"Content-Type": "text/csv"}
    )
    assert [(e["line"], e["field"]) for e in response.json()["errors"]] == [
        (3, "period"),
        (4, "period"),
        (5, "kpi"),
        (6, "value"),
    ]
    rows = [
        {"kpi": "revenue", "org_unit": "Sales", "period": "2026-Q1", "value": 120.5},
        {"kpi": "revenue", "org_unit": "Sales", "period": "2026-Q2"},
        {"kpi": "revenue", "org_unit": "Sales", "period": "2026-Q3", "value": 1, "extra": 2},
    ]
    response = await api.post("/outcomes/kpis", json=rows)
    assert response.json()["errors"] == [
        {"path": "$[1].value", "message": "is required"},
        {"path": "$[2].extra", "message": "is not a known field"},
    ]
    assert (await api.get("/outcomes/kpis")).json() == {"observations": []}
    await put_map(api, one_outcome_map({"all": [{"verbs": [PASSED]}]}))
    new_units = {"allow_new_units": "true"}  # no roster here
    response = await api.post("/outcomes/kpis", json=rows[:1], params=new_units)
    assert response.json()["imported"] == 1

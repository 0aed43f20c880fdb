"""BI exports: flat statements matching GET statements, attainments and the KPI table."""

from __future__ import annotations

import csv
import io
from typing import Any

import httpx
import orjson

from service.outcomes.export import STATEMENT_COLUMNS
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
    table = await api.get("/exports/outcome-kpis.ndjson")
    (cell,) = [orjson.loads(line) for line in table.content.splitlines()]
    assert cell["attainment_rate"] == 1.0
    assert cell["kpi_value"] == 7
    assert cell["pearson_r"] is None
    rates = await api.get("/exports/rates.csv", params={"since": "2026-01", "until": "2026-02"})
    assert rates.text.splitlines()[0] == "outcome,org_unit,period,headcount,attained,new,rate"
    assert (await api.get("/exports/attainments.xlsx")).status_code == 404

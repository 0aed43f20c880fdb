"""Export schemas (issue 19): served, typed, versioned, and only ever appended to."""

from __future__ import annotations

import orjson
from fastapi import FastAPI

from service.outcomes.export_schema import EXPORTS
from tests.builders import agent, statement
from tests.conftest import client_for

# Each export's columns as of each version. Adding columns: append them, bump the version and
# add the new list here. A column removed or renamed fails this test: warehouses load by name.
PINNED: dict[str, dict[int, tuple[str, ...]]] = {
    "statements": {
        1: (
            "id", "timestamp", "stored", "tenant", "actor_id", "actor_name", "actor_type",
            "verb_id", "verb_display", "object_id", "object_type", "object_name",
            "object_activity_type", "result_success", "result_completion",
            "result_score_scaled", "result_score_raw", "result_score_min", "result_score_max",
            "result_duration", "result_duration_seconds", "result_response", "registration",
            "platform", "language", "parent_ids", "grouping_ids", "category_ids",
            "authority_id", "version",
        ),
    },
    "attainments": {
        1: (
            "outcome", "learner", "name", "attained_at", "level", "level_name", "department",
            "team", "manager", "location", "role", "evidence_statements",
        ),
    },
    "rates": {
        1: ("outcome", "org_unit", "period", "headcount", "attained", "new", "rate", "change"),
    },
    "outcome-kpis": {
        1: (
            "outcome", "kpi", "org_unit", "period", "rate_measured_at", "headcount", "attained",
            "attainment_rate", "kpi_value", "pearson_r", "n_cells",
        ),
    },
}  # fmt: skip
PINNED["statements"][2] = (
    *PINNED["statements"][1],
    "actor_email", "actor_account_home_page", "actor_account_name", "instructor_id", "team_id",
    "result_extensions", "context_extensions", "object_extensions", "timestamp_original",
)  # fmt: skip
PINNED["attainments"][2] = (*PINNED["attainments"][1], "outcome_name")
PINNED["rates"][2] = (*PINNED["rates"][1], "outcome_name")
PINNED["outcome-kpis"][2] = (*PINNED["outcome-kpis"][1], "outcome_name", "kpi_name")
PINNED["roster"] = {
    1: (
        "learner", "name", "department", "team", "manager", "location", "role", "valid_from",
        "valid_to", "learner_email", "learner_account_home_page", "learner_account_name",
    )
}  # fmt: skip
PINNED["kpis"] = {1: ("kpi", "kpi_name", "kpi_unit", "org_unit", "period", "value")}
PINNED["feed"] = {
    1: (
        "cursor", "kind", *PINNED["statements"][2], "statement", "voiding_statement_id",
        "erasure_action", "erasure_reason", "changed_at", "map", "map_version", "outcome",
        "outcome_name", "learner", "level", "evidence_count", "attained_at",
    )
}  # fmt: skip
PINNED["feed"][2] = (*PINNED["feed"][1], "change_id")


def test_columns_are_only_ever_appended() -> None:
    assert set(EXPORTS) == set(PINNED)
    for name, (version, columns) in EXPORTS.items():
        assert columns == PINNED[name][version], name
        for older in PINNED[name].values():
            assert columns[: len(older)] == older, name


async def test_schemas_are_served_typed(app: FastAPI) -> None:
    async with client_for(app, None) as c:
        response = await c.get("/exports/schema/feed.json")
        assert response.status_code == 200
        schema = response.json()
        assert schema["version"] == 2
        assert schema["x-columns"] == list(PINNED["feed"][2])
        props = schema["properties"]
        assert props["result_score_scaled"]["type"] == ["number", "null"]
        assert props["context_extensions"]["contentMediaType"] == "application/json"
        assert props["stored"]["format"] == "date-time"
        assert (await c.get("/exports/schema/nope.json")).status_code == 404


async def test_identity_and_extension_columns(app: FastAPI) -> None:
    cost = {"http://example.org/ext/cost-center": "CC-7"}
    account = {"objectType": "Agent", "account": {"homePage": "https://hr.example", "name": "e42"}}
    posted = statement(
        actor=account,
        result={"extensions": {"http://example.org/ext/tries": 2}},
        context={"extensions": cost, "instructor": agent("ina")},
    )
    async with client_for(app, "2.0.0") as c:
        assert (await c.post("/xapi/statements", json=posted)).status_code == 200
        mail = statement(actor=agent("ann"))
        assert (await c.post("/xapi/statements", json=mail)).status_code == 200
        rows = (await c.get("/exports/statements.ndjson", params={"ascending": "true"})).text
    first, second = (orjson.loads(line) for line in rows.splitlines())
    assert (first["actor_account_home_page"], first["actor_account_name"]) == (
        "https://hr.example",
        "e42",
    )
    assert orjson.loads(first["context_extensions"]) == cost
    assert first["instructor_id"] == "mailto:ina@example.org"
    assert second["actor_email"] == "ann@example.org"


async def test_openapi_names_the_column_types_and_the_next_cursor(app: FastAPI) -> None:
    async with client_for(app, None, auth=False) as c:
        document = (await c.get("/openapi.json")).json()
    answer = document["paths"]["/exports/feed.{fmt}"]["get"]["responses"]["200"]
    assert "X-Next-Cursor" in answer["headers"]
    properties = answer["content"]["application/x-ndjson"]["schema"]["properties"]
    assert list(properties) == list(PINNED["feed"][2])
    assert properties["evidence_count"]["type"] == ["integer", "null"]
    assert properties["change_id"]["type"] == ["integer", "null"]
    assert "/exports/schema/{name}.json" in document["paths"]


async def test_the_timestamp_as_sent_is_kept_next_to_utc(app: FastAPI) -> None:
    """V-12 rewrites `timestamp` to UTC; the exports also give it as the client sent it."""
    offset = statement(timestamp="2026-03-01T10:00:00+02:00")
    plain = statement(timestamp="2026-03-01T08:00:00.000Z")
    async with client_for(app, "2.0.0") as c:
        assert (await c.post("/xapi/statements", json=[offset, plain])).status_code == 200
        listed = (await c.get("/exports/statements.ndjson", params={"ascending": "true"})).text
        one = await c.get("/exports/statements.ndjson", params={"statementId": offset["id"]})
        fed = (await c.get("/exports/feed.ndjson")).text
    for text in (listed, fed):
        first, second = (orjson.loads(line) for line in text.splitlines())
        assert first["timestamp"] == "2026-03-01T08:00:00.000Z"
        assert first["timestamp_original"] == "2026-03-01T10:00:00+02:00"
        assert second["timestamp_original"] == second["timestamp"]
    assert orjson.loads(one.text)["timestamp_original"] == "2026-03-01T10:00:00+02:00"

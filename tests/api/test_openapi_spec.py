"""The served OpenAPI document describes the real xAPI interface (T-0, T-1, T-21; issue 9)."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import FastAPI

from service.outcomes.reports import ATTAINMENT_PARAMS, KPI_PARAMS, RATE_PARAMS

STATEMENT_QUERY = {
    "statementId",
    "voidedStatementId",
    "agent",
    "verb",
    "activity",
    "registration",
    "related_activities",
    "related_agents",
    "since",
    "until",
    "limit",
    "format",
    "attachments",
    "ascending",
    "more",
}


async def _document(app: FastAPI) -> dict[str, Any]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://lrs.test") as client:
        response = await client.get("/openapi.json")
    assert response.status_code == 200
    document: dict[str, Any] = response.json()
    return document


def _names(operation: dict[str, Any], where: str) -> set[str]:
    return {p["name"] for p in operation.get("parameters", []) if p["in"] == where}


async def test_statement_operations_list_their_parameters(app: FastAPI) -> None:
    paths = (await _document(app))["paths"]
    statements = paths["/xapi/statements"]
    assert _names(statements["get"], "query") == STATEMENT_QUERY
    assert _names(statements["head"], "query") == STATEMENT_QUERY
    assert _names(statements["put"], "query") == {"statementId"}
    (statement_id,) = (p for p in statements["put"]["parameters"] if p["name"] == "statementId")
    assert statement_id["required"] is True
    body = statements["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert body["oneOf"][0] == {"$ref": "#/components/schemas/Statement"}
    assert body["oneOf"][1]["type"] == "array"


async def test_document_resources_list_their_parameters(app: FastAPI) -> None:
    paths = (await _document(app))["paths"]
    state = paths["/xapi/activities/state"]
    assert _names(state["get"], "query") == {
        "activityId",
        "agent",
        "registration",
        "stateId",
        "since",
    }
    assert _names(state["put"], "header") >= {"If-Match", "If-None-Match"}
    assert _names(paths["/xapi/activities/profile"]["post"], "query") == {
        "activityId",
        "profileId",
    }
    assert _names(paths["/xapi/agents/profile"]["delete"], "query") == {"agent", "profileId"}
    assert _names(paths["/xapi/activities"]["get"], "query") == {"activityId"}
    assert _names(paths["/xapi/agents"]["get"], "query") == {"agent"}


async def test_every_xapi_operation_has_version_header_auth_and_errors(app: FastAPI) -> None:
    document = await _document(app)
    assert document["components"]["securitySchemes"]["basicAuth"]["scheme"] == "basic"
    assert "Statement" in document["components"]["schemas"]
    xapi = {p: ops for p, ops in document["paths"].items() if p.startswith("/xapi/")}
    assert set(xapi) >= {
        "/xapi/about",
        "/xapi/statements",
        "/xapi/activities/state",
        "/xapi/activities/profile",
        "/xapi/agents/profile",
        "/xapi/activities",
        "/xapi/agents",
    }
    for path, operations in xapi.items():
        for method, operation in operations.items():
            about = path == "/xapi/about"
            version = operation["parameters"][0]
            assert version["name"] == "X-Experience-API-Version", (path, method)
            assert version["required"] is not about
            assert operation["security"] == ([] if about else [{"basicAuth": []}])
            codes = set(operation["responses"])
            wanted = {"400", "408", "414", "431", "503"}
            if not about:
                wanted |= {"401", "403", "404", "409", "412", "413", "429"}
            assert wanted <= codes, (path, method)
            for response in operation["responses"].values():
                assert response["headers"]["X-Experience-API-Version"]["required"] is True
            if not about:  # rate limits and failed sign-ins say when to retry
                assert "Retry-After" in operation["responses"]["429"]["headers"]


async def test_operations_outside_xapi_stay_documented(app: FastAPI) -> None:
    paths = (await _document(app))["paths"]
    assert {"/healthz", "/readyz", "/admin/tenants", "/outcomes/map"} <= set(paths)


async def test_outcome_operations_list_what_their_parsers_accept(app: FastAPI) -> None:
    paths = (await _document(app))["paths"]
    assert _names(paths["/outcomes/attainments"]["get"], "query") == ATTAINMENT_PARAMS
    assert _names(paths["/outcomes/rates"]["get"], "query") == RATE_PARAMS
    assert _names(paths["/outcomes/kpi-table"]["get"], "query") == KPI_PARAMS
    assert _names(paths["/outcomes/roster"]["get"], "query") == {"after", "limit"}
    assert _names(paths["/exports/statements.{fmt}"]["get"], "query") == STATEMENT_QUERY


async def test_uploads_and_admin_bodies_are_described(app: FastAPI) -> None:
    document = await _document(app)
    paths = document["paths"]
    for path in ("/outcomes/roster", "/outcomes/kpis"):
        for method in ("put", "post"):
            content = paths[path][method]["requestBody"]["content"]
            assert {"text/csv", "application/json"} <= set(content), (path, method)
    map_body = paths["/outcomes/map"]["put"]["requestBody"]["content"]
    assert map_body["application/json"]["schema"] == {"$ref": "#/components/schemas/OutcomeMap"}
    assert "application/yaml" in map_body
    tenant_body = paths["/admin/tenants"]["post"]["requestBody"]["content"]["application/json"]
    assert tenant_body["schema"] == {"$ref": "#/components/schemas/TenantIn"}
    assert {"OutcomeMap", "TenantIn", "CredentialIn", "TargetIn", "Actor"} <= set(
        document["components"]["schemas"]
    )


async def test_every_documented_parameter_is_accepted(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    """A documented name never gets its parser's 'unknown parameter' answer (T-12)."""
    paths = (await _document(app))["paths"]
    served = {
        "/outcomes/attainments": "/outcomes/attainments",
        "/outcomes/roster": "/outcomes/roster",
        "/exports/statements.{fmt}": "/exports/statements.csv",
    }
    for documented, path in served.items():
        for name in _names(paths[documented]["get"], "query"):
            response = await client.get(path, params={name: "x"})
            assert "unknown parameter" not in response.text, (path, name)
        response = await client.get(path, params={"undocumented": "x"})
        assert response.status_code == 400
        assert "unknown parameter" in response.text

"""The served OpenAPI document, completed with what the xAPI handlers read by hand (T-0..T-24).

The xAPI routes parse their query parameters, headers and bodies from the raw request, so
FastAPI alone documents none of them. `install_openapi` wraps `app.openapi` and adds, per xAPI
operation, the real parameters, the version and precondition headers, Basic authentication,
the request bodies (statement schemas from `schemas/`) and the documented status codes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import TypeAdapter

from schemas.agents import Actor
from schemas.statement import Statement
from service.api.admission import OPERATIONS as ADMISSION_EXEMPT

JSONObject = dict[str, Any]
REF = "#/components/schemas/{model}"
VERSION_PATTERN = r"^(1\.0(\.[0-9]+)?|2\.0(\.[0-9]+)?)$"

_ERRORS = {
    "400": "Malformed request: bad parameter, header or body (T-21)",
    "401": "Missing or invalid credentials (AU-2)",
    "403": "Credentials valid but not permitted (AU-3)",
    "404": "No such statement, document or resource",
    "409": "Conflict with stored content, or document exists without precondition",
    "412": "If-Match / If-None-Match precondition failed (T-16)",
    "413": "Request body larger than the configured limit (T-24), also once decoded",
    "415": "Request body in a Content-Encoding other than gzip, deflate or identity",
    "429": "Rate limited, or too many failed sign-ins: retry after the Retry-After seconds",
}
_RETRY_AFTER = {"Retry-After": {"schema": {"type": "integer"}}}
_LIMITS = {  # answered before routing, on any path (request limits and admission control)
    "408": "Request head or body not received in time (LRS_HEADER_TIMEOUT, LRS_BODY_*)",
    "414": "Query string longer than LRS_MAX_QUERY_BYTES",
    "431": "Request headers larger than LRS_MAX_HEADER_BYTES",
    "503": "Over capacity: retry after the Retry-After seconds",
}


def _param(name: str, where: str, schema: JSONObject, required: bool, doc: str) -> JSONObject:
    return {"name": name, "in": where, "required": required, "schema": schema, "description": doc}


def _json_param(name: str, ref: str, required: bool, doc: str) -> JSONObject:
    """A query parameter whose value is URL-encoded JSON (T-11)."""
    return {
        "name": name,
        "in": "query",
        "required": required,
        "content": {"application/json": {"schema": {"$ref": REF.format(model=ref)}}},
        "description": doc,
    }


UUID = {"type": "string", "format": "uuid"}
IRI = {"type": "string", "format": "iri"}
TIMESTAMP = {"type": "string", "format": "date-time"}
BOOL = {"type": "string", "enum": ["true", "false"]}
STRING = {"type": "string"}


def _statement_query() -> list[JSONObject]:
    """GET/HEAD statements (SR-30..SR-47)."""
    return [
        _param("statementId", "query", UUID, False, "One statement by id (SR-30)"),
        _param("voidedStatementId", "query", UUID, False, "One voided statement (SR-31)"),
        _json_param("agent", "Actor", False, "Filter by Agent or identified Group (JSON)"),
        _param("verb", "query", IRI, False, "Filter by verb id"),
        _param("activity", "query", IRI, False, "Filter by activity id"),
        _param("registration", "query", UUID, False, "Filter by registration"),
        _param("related_activities", "query", BOOL, False, "Match activities anywhere"),
        _param("related_agents", "query", BOOL, False, "Match agents anywhere"),
        _param("since", "query", TIMESTAMP, False, "Stored strictly after"),
        _param("until", "query", TIMESTAMP, False, "Stored at or before"),
        _param("limit", "query", {"type": "integer", "minimum": 0}, False, "Page size; 0 = max"),
        _param(
            "format",
            "query",
            {"type": "string", "enum": ["ids", "exact", "canonical"]},
            False,
            "Statement format (SR-43)",
        ),
        _param("attachments", "query", BOOL, False, "multipart/mixed with attachments"),
        _param("ascending", "query", BOOL, False, "Oldest first"),
        _param("more", "query", STRING, False, "Continuation token from a previous page (SR-46)"),
    ]


def _document_params(
    *,
    activity: bool,
    agent: bool,
    registration: bool,
    id_param: str,
    id_required: bool,
    since: bool,
) -> list[JSONObject]:
    """The parameters of one document resource and method (D-7, D-20, D-30, D-40)."""
    params: list[JSONObject] = []
    if activity:
        params.append(_param("activityId", "query", IRI, True, "The activity's IRI"))
    if agent:
        params.append(_json_param("agent", "Actor", True, "The Agent (JSON)"))
    if registration:
        params.append(_param("registration", "query", UUID, False, "The registration"))
    params.append(_param(id_param, "query", STRING, id_required, "The document id"))
    if since:
        params.append(_param("since", "query", TIMESTAMP, False, "Only ids updated after"))
    return params


_IF_MATCH = _param("If-Match", "header", STRING, False, "Write only if the ETag matches (T-16)")
_IF_NONE_MATCH = _param(
    "If-None-Match", "header", STRING, False, "Write only if absent, with * (T-16)"
)
_DOCUMENT_BODY: JSONObject = {
    "required": True,
    "content": {
        "application/json": {"schema": {"type": "object"}},
        "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
        "text/plain": {"schema": {"type": "string"}},
    },
}


def _document_operations(
    *, activity: bool, agent: bool, registration: bool, id_param: str, delete_all: bool
) -> dict[str, tuple[list[JSONObject], JSONObject | None, dict[str, str]]]:
    shape = {"activity": activity, "agent": agent, "registration": registration}
    read = _document_params(**shape, id_param=id_param, id_required=False, since=True)
    write = _document_params(**shape, id_param=id_param, id_required=True, since=False)
    delete = _document_params(**shape, id_param=id_param, id_required=not delete_all, since=False)
    preconditions = [_IF_MATCH, _IF_NONE_MATCH]
    read_ok = {"200": "The document, or the JSON array of ids without the id parameter"}
    write_ok = {"204": "Stored"}
    return {
        "get": (read, None, read_ok),
        "head": (read, None, read_ok),
        "put": (write + preconditions, _DOCUMENT_BODY, write_ok),
        "post": (write + preconditions, _DOCUMENT_BODY, write_ok),
        "delete": (delete + preconditions, None, {"204": "Deleted"}),
    }


def _statement_body(*, batch: bool) -> JSONObject:
    one = {"$ref": REF.format(model="Statement")}
    schema = {"oneOf": [one, {"type": "array", "items": one}]} if batch else one
    return {
        "required": True,
        "content": {
            "application/json": {"schema": schema},
            "multipart/mixed": {"schema": {"type": "string", "format": "binary"}},
        },
    }


def xapi_operations() -> dict[str, dict[str, tuple[list[JSONObject], JSONObject | None, Any]]]:
    """Resource path (below the base path) -> method -> (parameters, request body, successes)."""
    activity_lookup = [_param("activityId", "query", IRI, True, "The activity's IRI")]
    agent_lookup = [_json_param("agent", "Actor", True, "The Agent (JSON)")]
    statement_id = [_param("statementId", "query", UUID, True, "The statement's id")]
    result = {"200": "A statement, or a StatementResult"}
    return {
        "/about": {"get": ([], None, {"200": "Versions"}), "head": ([], None, {"200": "Versions"})},
        "/statements": {
            "get": (_statement_query(), None, result),
            "head": (_statement_query(), None, result),
            "put": (statement_id, _statement_body(batch=False), {"204": "Stored"}),
            "post": ([], _statement_body(batch=True), {"200": "The ids, in order"}),
        },
        "/activities/state": _document_operations(
            activity=True, agent=True, registration=True, id_param="stateId", delete_all=True
        ),
        "/activities/profile": _document_operations(
            activity=True, agent=False, registration=False, id_param="profileId", delete_all=False
        ),
        "/agents/profile": _document_operations(
            activity=False, agent=True, registration=False, id_param="profileId", delete_all=False
        ),
        "/activities": {
            "get": (activity_lookup, None, {"200": "The Activity"}),
            "head": (activity_lookup, None, {"200": "The Activity"}),
        },
        "/agents": {
            "get": (agent_lookup, None, {"200": "The Person"}),
            "head": (agent_lookup, None, {"200": "The Person"}),
        },
    }


def _model_schemas() -> JSONObject:
    """Statement and Actor JSON Schemas from the wire models, as OpenAPI components."""
    found: JSONObject = {}
    for name, adapter in (("Statement", TypeAdapter(Statement)), ("Actor", TypeAdapter(Actor))):
        schema = adapter.json_schema(ref_template=REF)
        found.update(schema.pop("$defs", {}))
        found[name] = schema
    return found


_ABOUT_VARY = {
    "Vary": {
        "description": "X-Experience-API-Version: the version list depends on it (RS-9)",
        "schema": {"type": "string"},
    }
}


def _responses(successes: dict[str, str], *, about: bool) -> JSONObject:
    version_header = {
        "X-Experience-API-Version": {
            "required": True,
            "description": "The xAPI version of the response (T-2)",
            "schema": {"type": "string"},
        }
    }
    error = {
        "application/json": {"schema": {"$ref": REF.format(model="XAPIError")}},
    }
    success_headers = {**version_header, **_ABOUT_VARY} if about else version_header
    responses: JSONObject = {
        code: {"description": text, "headers": success_headers} for code, text in successes.items()
    }
    codes = ("400",) if about else tuple(_ERRORS)
    for code in codes:
        headers = {**version_header, **(_RETRY_AFTER if code == "429" else {})}
        responses[code] = {"description": _ERRORS[code], "headers": headers, "content": error}
    return responses


def _operation(
    path: str,
    method: str,
    parameters: list[JSONObject],
    body: JSONObject | None,
    successes: dict[str, str],
    existing: JSONObject,
) -> JSONObject:
    about = path == "/about"
    version = _param(
        "X-Experience-API-Version",
        "header",
        {"type": "string", "pattern": VERSION_PATTERN},
        not about,
        "xAPI version of the request; 1.0.x or 2.0.x (T-1). On about, 1.0.x limits the version "
        "list to 1.0.x; 2.0.x, none or any other value lists every version (RS-9)"
        if about
        else "xAPI version of the request; 1.0.x or 2.0.x (T-1)",
    )
    operation: JSONObject = {
        **existing,
        "parameters": [version, *parameters],
        "responses": _responses(successes, about=about),
        "security": [] if about else [{"basicAuth": []}],
    }
    if body is not None:
        operation["requestBody"] = body
    return operation


def build_openapi(app: FastAPI, prefix: str) -> JSONObject:
    """FastAPI's document with every xAPI operation described by hand."""
    document = get_openapi(
        title=app.title, version=app.version, description=app.description, routes=app.routes
    )
    paths: JSONObject = document.setdefault("paths", {})
    for resource, methods in xapi_operations().items():
        served = paths.setdefault(prefix + resource, {})
        for method, (parameters, body, successes) in methods.items():
            existing = served.get(method, {})
            served[method] = _operation(resource, method, parameters, body, successes, existing)
    for path, operations in paths.items():
        for operation in operations.values():
            _add_limit_responses(operation, xapi=path.startswith(prefix + "/"), path=path)
    components: JSONObject = document.setdefault("components", {})
    schemas: JSONObject = components.setdefault("schemas", {})
    schemas.update(_model_schemas())
    schemas["XAPIError"] = {
        "type": "object",
        "required": ["error", "status", "message"],
        "properties": {
            "error": {"type": "boolean"},
            "status": {"type": "integer"},
            "message": {"type": "string"},
        },
    }
    components.setdefault("securitySchemes", {})["basicAuth"] = {
        "type": "http",
        "scheme": "basic",
        "description": "An LRS credential (AU-1)",
    }
    return document


def _add_limit_responses(operation: JSONObject, *, xapi: bool, path: str) -> None:
    """The answers any operation can get before it runs (408, 414, 431, and 503 but on probes)."""
    responses: JSONObject = operation.setdefault("responses", {})
    for code, text in _LIMITS.items():
        if code == "503" and path in ADMISSION_EXEMPT:
            continue
        answer: JSONObject = {"description": text}
        if xapi:
            answer["headers"] = {
                "X-Experience-API-Version": {"required": True, "schema": {"type": "string"}}
            }
        if code == "503":
            answer.setdefault("headers", {})["Retry-After"] = {"schema": {"type": "integer"}}
        responses.setdefault(code, answer)


def install_openapi(app: FastAPI, prefix: str) -> None:
    """Serve `build_openapi` at the app's openapi_url, built once on first use."""
    cached: list[JSONObject] = []

    def openapi() -> JSONObject:
        if not cached:
            cached.append(build_openapi(app, prefix))
        return cached[0]

    replace: Callable[[], JSONObject] = openapi
    app.openapi = replace  # type: ignore[method-assign]

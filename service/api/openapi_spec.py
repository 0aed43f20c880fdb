"""The served OpenAPI document: FastAPI's, completed with what FastAPI cannot say.

Handlers declare their parameters and bodies (see `service.api.declared`), so FastAPI generates
the operations. This adds what the middleware and the error renderer answer around them: the
xAPI version header every xAPI request carries and every answer returns (T-1, T-2), Basic
authentication (AU-1), the error answers (T-21) and those any path can get before routing
(408, 414, 431, 503); and it moves the wire models' `$defs` into the components.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

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


_ABOUT_VARY = {
    "Vary": {
        "description": "X-Experience-API-Version: the version list depends on it (RS-9)",
        "schema": {"type": "string"},
    }
}


def _responses(successes: JSONObject, *, about: bool) -> JSONObject:
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
        code: {**success, "headers": success_headers} for code, success in successes.items()
    }
    codes = ("400",) if about else tuple(_ERRORS)
    for code in codes:
        headers = {**version_header, **(_RETRY_AFTER if code == "429" else {})}
        responses[code] = {"description": _ERRORS[code], "headers": headers, "content": error}
    return responses


def _version_header(*, about: bool) -> JSONObject:
    """Checked by the protocol middleware before any handler runs (T-1, RS-9)."""
    return {
        "name": "X-Experience-API-Version",
        "in": "header",
        "required": not about,
        "schema": {"type": "string", "pattern": VERSION_PATTERN},
        "description": "xAPI version of the request; 1.0.x or 2.0.x (T-1). On about, 1.0.x "
        "limits the version list to 1.0.x; 2.0.x, none or any other value lists every version "
        "(RS-9)"
        if about
        else "xAPI version of the request; 1.0.x or 2.0.x (T-1)",
    }


def _xapi_operation(generated: JSONObject, *, about: bool) -> JSONObject:
    """One xAPI operation with the version header, authentication and error answers."""
    return {
        **generated,
        "parameters": [_version_header(about=about), *generated.get("parameters", [])],
        "responses": _responses(generated.get("responses", {}), about=about),
        "security": [] if about else [{"basicAuth": []}],
    }


def _hoisted(node: Any, found: JSONObject) -> Any:
    """A copy of `node` without `$defs`, whose entries are collected into `found`."""
    if isinstance(node, list):
        return [_hoisted(item, found) for item in node]
    if not isinstance(node, dict):
        return node
    for name, schema in node.get("$defs", {}).items():
        if found.setdefault(name, schema) != schema:
            raise ValueError(f"two different schemas are named {name}")
    return {key: _hoisted(value, found) for key, value in node.items() if key != "$defs"}


def build_openapi(app: FastAPI, prefix: str) -> JSONObject:
    """FastAPI's document, completed around the xAPI operations and for every path."""
    generated = get_openapi(
        title=app.title, version=app.version, description=app.description, routes=app.routes
    )
    models: JSONObject = {}
    document: JSONObject = _hoisted(generated, models)
    paths: JSONObject = document.setdefault("paths", {})
    for path, operations in paths.items():
        xapi = path.startswith(prefix + "/")
        for method, operation in operations.items():
            if xapi:
                about = path == prefix + "/about"
                operation = operations[method] = _xapi_operation(operation, about=about)
            _add_limit_responses(operation, xapi=xapi, path=path)
    components: JSONObject = document.setdefault("components", {})
    schemas: JSONObject = components.setdefault("schemas", {})
    schemas.update(models)
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

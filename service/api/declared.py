"""OpenAPI descriptions of the parameters and bodies that handlers parse themselves.

xAPI parameters follow protocol rules FastAPI's validation would break (unknown and repeated
names, JSON values, exact 400 messages, the alternate request syntax), and admin and outcome
bodies answer a 400 naming the field rather than FastAPI's. So the parsers stay, and each route
declares, through `openapi_extra`, the same `Param` tuples its parser accepts: the document
FastAPI generates then lists them, and no second copy exists. Schemas of wire models travel
under `$defs`, which `openapi_spec` moves into the components.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from typing import Any

from pydantic import BaseModel, TypeAdapter

from schemas.agents import Actor
from schemas.outcomes import OutcomeMap
from schemas.statement import Statement
from service.xapi.statement_params import Param

JSONObject = dict[str, Any]
REF = "#/components/schemas/{model}"
WIRE_MODELS: dict[str, Any] = {"Actor": Actor, "Statement": Statement}
"""The wire models a `Param.json_model` or a statement body may name."""
BINARY = {"type": "string", "format": "binary"}


@cache
def _defs(name: str, model: Any) -> JSONObject:
    """`name`'s JSON Schema and the schemas it refers to, keyed by component name."""
    schema = TypeAdapter(model).json_schema(ref_template=REF)
    found: JSONObject = schema.pop("$defs", {})
    return {**found, name: schema}


def model_ref(name: str, model: Any) -> JSONObject:
    """A reference to the component `name`, carrying the definitions it needs."""
    return {"$ref": REF.format(model=name), "$defs": _defs(name, model)}


def parameter(param: Param) -> JSONObject:
    described: JSONObject = {
        "name": param.name,
        "in": param.where,
        "required": param.required,
        "description": param.doc,
    }
    if param.json_model is None:
        described["schema"] = dict(param.schema)
    else:  # URL-encoded JSON (T-11)
        schema = model_ref(param.json_model, WIRE_MODELS[param.json_model])
        described["content"] = {"application/json": {"schema": schema}}
    return described


def operation(params: Iterable[Param] = (), body: JSONObject | None = None) -> JSONObject:
    """The `openapi_extra` of one route: its parameters and request body."""
    extra: JSONObject = {}
    described = [parameter(p) for p in params]
    if described:
        extra["parameters"] = described
    if body is not None:
        extra["requestBody"] = body
    return extra


def statement_body(*, batch: bool) -> JSONObject:
    """One statement (PUT) or one or many (POST), as JSON or multipart/mixed (SR-1, SR-2, AT-1)."""
    one = model_ref("Statement", Statement)
    defs = one.pop("$defs")
    schema = {"oneOf": [one, {"type": "array", "items": dict(one)}]} if batch else one
    return {
        "required": True,
        "content": {
            "application/json": {"schema": {**schema, "$defs": defs}},
            "multipart/mixed": {"schema": BINARY},
        },
    }


DOCUMENT_BODY: JSONObject = {
    "required": True,
    "content": {
        "application/json": {"schema": {"type": "object"}},
        "application/octet-stream": {"schema": BINARY},
        "text/plain": {"schema": {"type": "string"}},
    },
}
"""A State or Profile document: JSON, or any other content kept as bytes (D-4)."""


def json_body(model: type[BaseModel]) -> JSONObject:
    """An admin body: JSON in the shape of a wire model; absent means `{}`."""
    return {
        "required": False,
        "content": {"application/json": {"schema": model_ref(model.__name__, model)}},
    }


def map_body() -> JSONObject:
    """An outcome map, as JSON or YAML."""
    yaml = {"schema": {"type": "string"}}
    return {
        "required": True,
        "content": {
            "application/json": {"schema": model_ref("OutcomeMap", OutcomeMap)},
            "application/yaml": yaml,
            "text/yaml": yaml,
        },
    }


def table_body(columns: Iterable[str], required: Iterable[str]) -> JSONObject:
    """A roster or KPI upload: CSV with a header row, or a JSON array of objects."""
    names = list(columns)
    row = {
        "type": "object",
        "properties": {name: {"type": ["string", "number", "null"]} for name in names},
        "required": list(required),
        "additionalProperties": False,
    }
    csv = {"schema": {"type": "string", "description": "header row: " + ",".join(names)}}
    return {
        "required": True,
        "content": {
            "text/csv": csv,
            "application/csv": csv,
            "application/json": {"schema": {"type": "array", "items": row}},
        },
    }

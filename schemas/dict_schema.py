"""A model-based core schema turned into one that checks plain dicts the same way.

Validating with models builds an instance for every JSON object, which the ingest path then
throws away: it keeps the request's own dicts. `as_dict_schema` replaces each model by a typed
dict with the same fields, constraints and configuration, and each `mode="after"` model
validator by its twin over dicts (the `checks` given for that model class), so the models stay
the single description of what is valid. A model whose validator has no twin, or a feature the
translation does not cover, fails loudly when the schema is built.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, cast

from pydantic import MISSING
from pydantic_core import CoreSchema, core_schema

DictCheck = Callable[[dict[str, Any]], dict[str, Any]]
"""Checks a validated object given as a dict and returns it (raises PydanticCustomError)."""

_UNSUPPORTED_MODEL_KEYS = ("custom_init", "root_model", "post_init")


def as_dict_schema(schema: CoreSchema, checks: Mapping[type, DictCheck]) -> CoreSchema:
    """`schema` with every model replaced by a typed dict; see the module docstring."""
    return cast(CoreSchema, _translate(schema, checks))


def _translate(node: Any, checks: Mapping[type, DictCheck]) -> Any:
    if isinstance(node, list):
        return [_translate(item, checks) for item in node]
    if not isinstance(node, dict):
        return node
    kind = node.get("type")
    if kind == "model":
        return _typed_dict(node, checks)
    if kind in ("function-after", "function-before", "function-wrap", "function-plain"):
        inner = node.get("schema")
        if isinstance(inner, dict) and inner.get("type") == "model":
            return _model_validator(node, checks)
    return {key: _translate(value, checks) for key, value in node.items()}


def _model_validator(node: dict[str, Any], checks: Mapping[type, DictCheck]) -> dict[str, Any]:
    """An after-validator of a model becomes its dict twin around the model's typed dict."""
    model = node["schema"]["cls"]
    if node["type"] != "function-after" or model not in checks:
        raise TypeError(f"{model.__name__}: only after-validators with a dict twin translate")
    translated = dict(node)
    translated["function"] = {"type": "no-info", "function": checks[model]}
    translated["schema"] = _typed_dict(node["schema"], checks)
    return translated


def _typed_dict(node: dict[str, Any], checks: Mapping[type, DictCheck]) -> dict[str, Any]:
    fields_node = node["schema"]
    if any(node.get(key) for key in _UNSUPPORTED_MODEL_KEYS) or fields_node["type"] != (
        "model-fields"
    ):
        raise TypeError(f"{node['cls'].__name__}: model feature without a typed-dict form")
    config = node.get("config") or {}
    fields = {
        name: _typed_dict_field(name, field, checks)
        for name, field in fields_node["fields"].items()
    }
    schema = core_schema.typed_dict_schema(
        fields,
        strict=config.get("strict"),
        extra_behavior=config.get("extra_fields_behavior"),
        config=cast(core_schema.CoreConfig, config),
        ref=node.get("ref"),
    )
    return cast(dict[str, Any], schema)


def _typed_dict_field(
    name: str, field: dict[str, Any], checks: Mapping[type, DictCheck]
) -> core_schema.TypedDictField:
    if field.get("validation_alias") is not None:
        raise TypeError(f"field {name}: aliases do not translate")
    schema = field["schema"]
    if schema.get("type") != "default":
        return core_schema.typed_dict_field(_translate(schema, checks), required=True)
    if schema.get("default") is not MISSING:
        raise TypeError(f"field {name}: only MISSING defaults translate (absent stays absent)")
    return core_schema.typed_dict_field(_translate(schema["schema"], checks), required=False)

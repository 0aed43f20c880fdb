"""Entry point of statement validation for PUT/POST bodies (digest section 2, SR-15, X-5)."""

from __future__ import annotations

import re
from typing import Any

import orjson
from pydantic import ValidationError
from pydantic_core import ErrorDetails

from schemas.datatypes import PATTERN_DESCRIPTIONS
from schemas.statement import STATEMENT_DICT_LIST
from service.model.errors import BadRequestError

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_TYPE_MESSAGES = {
    "string_type": "must be a string",
    "bool_type": "must be a boolean (true or false)",
    "int_type": "must be an integer",
    "float_type": "must be a number",
    "finite_number": "must be a finite number",
    "dict_type": "must be a JSON object",
    "model_type": "must be a JSON object",
    "model_attributes_type": "must be a JSON object",
    "list_type": "must be an array",
    "missing": "is required",
    "extra_forbidden": "is not an allowed property here",
}


def validate_statements(data: object, version: str) -> list[dict[str, Any]]:
    """Validate a parsed PUT/POST statements body (one statement object or an array of them) for a request of xAPI `version` ('1.0.3' or '2.0.0'); return the statements as a list of the ORIGINAL dicts (unmodified, not model dumps); raise service.model.errors.BadRequestError with a short message naming the JSON path of the first problem (e.g. 'statements[2].actor: an Agent must have exactly one of mbox, mbox_sha1sum, openid, account')."""  # noqa: E501
    if isinstance(data, dict):
        statements: list[Any] = [data]
        root = "statement"
    elif isinstance(data, list):
        statements = list(data)
        root = "statements"
    else:
        raise BadRequestError("the body must be a statement object or an array of statements")
    try:
        STATEMENT_DICT_LIST.validate_python(statements, context={"version": version})
    except ValidationError as exc:
        raise BadRequestError(_describe(exc.errors(include_url=False)[0], root)) from None
    _reject_duplicate_ids(statements, root)
    return statements


def _reject_duplicate_ids(statements: list[dict[str, Any]], root: str) -> None:
    """V-47: statement ids are unique within a batch (UUIDs compared case-insensitively)."""
    if len(statements) < 2:
        return
    seen: dict[str, int] = {}
    for index, statement in enumerate(statements):
        statement_id = statement.get("id")
        if statement_id is None:
            continue
        key = statement_id.lower()
        if key in seen:
            raise BadRequestError(
                f"{root}[{index}].id: duplicate statement id (also used by {root}[{seen[key]}])"
            )
        seen[key] = index


def _path(root: str, loc: tuple[int | str, ...]) -> str:
    """Render a pydantic location as a JSON path, dropping union tags like '<Agent>'."""
    parts = [root]
    for item in loc:
        if isinstance(item, int):
            parts.append(f"[{item}]")
        elif item.startswith("<") and item.endswith(">"):
            continue
        elif _IDENTIFIER.fullmatch(item):
            parts.append(f".{item}")
        else:
            parts.append(f"[{orjson.dumps(item).decode()}]")
    return "".join(parts)


def _message(error: ErrorDetails) -> str:
    """Short human text for one pydantic error (V-2 nulls, V-3 types, V-4 unknown keys...)."""
    kind = error["type"]
    ctx = error.get("ctx") or {}
    if error["input"] is None and kind not in ("missing", "extra_forbidden"):
        return "must not be null"
    if kind == "string_pattern_mismatch":
        return "must be " + PATTERN_DESCRIPTIONS.get(str(ctx.get("pattern")), "well-formed")
    if kind == "literal_error":
        return f"must be {ctx.get('expected')}"
    if kind in ("too_short", "too_long"):
        bound = ctx.get("min_length", ctx.get("max_length"))
        return f"must contain {'at least' if kind == 'too_short' else 'at most'} {bound} item(s)"
    if kind in ("greater_than_equal", "less_than_equal"):
        bound = ctx.get("ge", ctx.get("le"))
        return f"must be {'>=' if kind == 'greater_than_equal' else '<='} {bound}"
    return _TYPE_MESSAGES.get(kind, error["msg"])


def _describe(error: ErrorDetails, root: str) -> str:
    """Render the first validation error as 'json.path: message' (never a pydantic dump)."""
    loc = error["loc"][1:] if root == "statement" else error["loc"]
    if loc and loc[-1] == "[key]":
        key = orjson.dumps(str(loc[-2])[:60]).decode()
        return f"{_path(root, loc[:-2])}: invalid key {key}: {_message(error)}"
    return f"{_path(root, loc)}: {_message(error)}"


# Public names for other documents validated with pydantic (outcome maps render errors alike).
json_path = _path
error_message = _message

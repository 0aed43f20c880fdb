"""Admin input through the strict wire models, failing as one clear 400."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from service.model.errors import BadRequestError

M = TypeVar("M", bound=BaseModel)


def parse_body(model: type[M], raw: bytes) -> M:
    """A JSON request body as `model`; 400 naming the first offending field."""
    try:
        return model.model_validate_json(raw or b"{}")
    except ValidationError as exc:
        raise BadRequestError(describe(exc)) from None


def parse_data(model: type[M], data: dict[str, Any]) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise BadRequestError(describe(exc)) from None


def describe(exc: ValidationError) -> str:
    error = exc.errors()[0]
    where = ".".join(str(part) for part in error["loc"]) or "body"
    return f"{where}: {error['msg']}"

"""Outcome map documents in (JSON or YAML) and out: validated whole, every problem listed."""

from __future__ import annotations

from typing import Any

import orjson
import yaml
from pydantic import ValidationError

from schemas.outcomes import OutcomeMap, map_problems
from service.model.errors import BadRequestError
from service.outcomes.problems import InvalidDocumentError, path_problems

YAML_TYPES = ("application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml")


class _PlainLoader(yaml.SafeLoader):
    """Safe YAML that keeps timestamps as text, as JSON would."""


_PlainLoader.yaml_implicit_resolvers = {
    first: [(tag, regex) for tag, regex in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def load_document(body: bytes, content_type: str | None) -> Any:
    """Parse a JSON or YAML request body (YAML by content type); 400 when unreadable."""
    media = (content_type or "application/json").split(";")[0].strip().lower()
    if media in YAML_TYPES:
        try:
            return yaml.load(body.decode("utf-8"), Loader=_PlainLoader)
        except (yaml.YAMLError, UnicodeDecodeError) as exc:
            raise BadRequestError(f"the body is not valid YAML: {exc}") from None
    if media != "application/json":
        raise BadRequestError("send the document as application/json or application/yaml")
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise BadRequestError(f"the body is not valid JSON: {exc.msg}") from None


def validate_map(data: Any) -> OutcomeMap:
    """The validated map, or InvalidDocumentError listing every problem (path and reason)."""
    error: ValidationError | None = None
    outcome_map: OutcomeMap | None = None
    try:
        outcome_map = OutcomeMap.model_validate(data)
    except ValidationError as exc:
        error = exc
    problems = path_problems(error, map_problems(data), "$")
    if problems or outcome_map is None:
        raise InvalidDocumentError("the outcome map", problems)
    return outcome_map

"""A rejected document with every problem listed, by JSON path or by line number."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from schemas.outcomes import Problem
from service.model.errors import BadRequestError
from service.xapi.validation import error_message, json_path

_SLUG_HINT = "letters, digits, '.', '_' or '-' (at most 80), starting with a letter or digit"


class InvalidDocumentError(BadRequestError):
    """400 with a list of problems: [{"path": ..., "message": ...}] or [{"line": ...}]."""

    def __init__(self, what: str, problems: list[dict[str, Any]]) -> None:
        count = len(problems)
        super().__init__(f"{what} was rejected: {count} problem{'s' if count != 1 else ''}")
        self.problems = problems

    @property
    def details(self) -> dict[str, Any]:
        return {"errors": self.problems}


def path_problems(
    exc: ValidationError | None, extra: list[Problem], root: str
) -> list[dict[str, Any]]:
    """Pydantic errors and cross-reference problems as path/message pairs, in document order."""
    found: list[tuple[tuple[int | str, ...], str]] = []
    for error in exc.errors(include_url=False) if exc is not None else []:
        message = error_message(error)
        if error["type"] == "string_pattern_mismatch" and "A-Za-z0-9._-" in str(
            (error.get("ctx") or {}).get("pattern")
        ):
            message = f"must be {_SLUG_HINT}"
        found.append((tuple(error["loc"]), message))
    found.extend(extra)
    unique = dict.fromkeys((json_path(root, loc), message) for loc, message in found)
    return [{"path": path, "message": message} for path, message in unique]

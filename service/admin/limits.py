"""Limit overrides from admin input: JSON objects (HTTP) or `--flag value` pairs (CLI)."""

from __future__ import annotations

from dataclasses import asdict, replace
from typing import Any

from schemas.admin import LimitsIn
from service.admin.inputs import parse_data
from service.errors import BadRequestError
from service.store.admin_records import Limits

LIMIT_FIELDS = ("rate_per_second", "burst", "max_batch_statements", "max_body_bytes")


def patch_limits(current: Limits, given: LimitsIn | None) -> Limits:
    """`current` with the fields present in `given` replaced (null clears an override)."""
    if given is None:
        return current
    changes: dict[str, Any] = {name: getattr(given, name) for name in given.model_fields_set}
    if "rate_per_second" in changes and changes["rate_per_second"] is not None:
        changes["rate_per_second"] = float(changes["rate_per_second"])
    return replace(current, **changes)


def limits_from_text(values: dict[str, str | None]) -> LimitsIn:
    """CLI values by field name; "default" clears an override, None leaves it alone."""
    data: dict[str, Any] = {}
    for name, text in values.items():
        if text is None:
            continue
        if text == "default":
            data[name] = None
            continue
        try:
            data[name] = float(text) if name == "rate_per_second" else int(text)
        except ValueError:
            raise BadRequestError(f"{name} must be a number or 'default', not {text!r}") from None
    return parse_data(LimitsIn, data)


def limits_json(limits: Limits) -> dict[str, Any]:
    return asdict(limits)

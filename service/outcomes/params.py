"""Query parameters of the outcome endpoints, checked and normalized (HTTP-free)."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

import orjson

from service.model.errors import BadRequestError
from service.model.outcomes import ROSTER_FIELDS
from service.outcomes.learners import parse_learner
from service.outcomes.periods import GRANULARITIES, Granularity, Period, parse_period
from service.xapi.statement_params import parse_time_parameter

MAX_LIMIT = 1000


@dataclass(frozen=True, slots=True)
class TimeRange:
    since_ms: int | None
    until_ms: int | None


def check_known(params: dict[str, str], allowed: set[str]) -> None:
    unknown = sorted(set(params) - allowed)
    if unknown:
        raise BadRequestError(f"unknown parameter {unknown[0]!r} (allowed: {sorted(allowed)})")


def unit_field(params: dict[str, str]) -> str:
    """`group_by`: the roster field that names org units (department by default)."""
    value = params.get("group_by", "department")
    if value not in ROSTER_FIELDS:
        raise BadRequestError(f"group_by must be one of {', '.join(ROSTER_FIELDS)}")
    return value


def granularity(params: dict[str, str]) -> Granularity:
    value = params.get("granularity", "month")
    for known in GRANULARITIES:
        if value == known:
            return known
    raise BadRequestError(f"granularity must be one of {', '.join(GRANULARITIES)}")


def period(params: dict[str, str], name: str) -> Period | None:
    value = params.get(name)
    if value is None:
        return None
    try:
        return parse_period(value)
    except ValueError as exc:
        raise BadRequestError(f"{name}: {exc}") from None


def time_range(params: dict[str, str]) -> TimeRange:
    """`period` (a label), or `since`/`until` (RFC 3339): when attainments happened."""
    named = period(params, "period")
    if named is not None:
        if "since" in params or "until" in params:
            raise BadRequestError("give period, or since/until, not both")
        return TimeRange(named.start_ms, named.end_ms)
    since, until = params.get("since"), params.get("until")
    return TimeRange(
        parse_time_parameter(since, "since", "2.0.0") if since else None,
        parse_time_parameter(until, "until", "2.0.0") if until else None,
    )


def learner(params: dict[str, str]) -> str | None:
    value = params.get("learner")
    if value is None:
        return None
    parsed = parse_learner(value)
    if parsed is None:
        raise BadRequestError("learner must be an email, mailto: IRI or another learner id form")
    return parsed


def integer(params: dict[str, str], name: str, default: int, low: int, high: int) -> int:
    value = params.get(name)
    if value is None:
        return default
    if not value.isascii() or not value.lstrip("-").isdigit() or not low <= int(value) <= high:
        raise BadRequestError(f"{name} must be an integer from {low} to {high}")
    return int(value)


def encode_cursor(after: tuple[str, str]) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(after)).decode().rstrip("=")


def decode_cursor(params: dict[str, str]) -> tuple[str, str] | None:
    token = params.get("cursor")
    if token is None:
        return None
    try:
        value = orjson.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        outcome, learner_value = value
        return str(outcome), str(learner_value)
    except (binascii.Error, ValueError, TypeError, orjson.JSONDecodeError):
        raise BadRequestError("the cursor is not valid") from None


def flag(params: dict[str, str], name: str) -> bool:
    """A true/false parameter, false when absent."""
    value = params.get(name, "false")
    if value not in ("true", "false"):
        raise BadRequestError(f"{name} must be true or false")
    return value == "true"

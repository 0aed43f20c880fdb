"""GET statements parameters and stateless `more` tokens (SR-30..SR-47, T-11..T-14)."""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import orjson

from service.model.clock import to_ms
from service.model.errors import BadRequestError
from service.model.statements import StatementQuery
from service.xapi.agent_param import parse_agent_parameter
from service.xapi.agents import agent_key
from service.xapi.datatypes import is_iri, is_uuid, parse_timestamp

Format = Literal["ids", "exact", "canonical"]
FORMATS: tuple[Format, ...] = ("ids", "exact", "canonical")
JSONSchema = Mapping[str, Any]
STRING: JSONSchema = {"type": "string"}
UUID: JSONSchema = {"type": "string", "format": "uuid"}
IRI: JSONSchema = {"type": "string", "format": "iri"}
TIMESTAMP: JSONSchema = {"type": "string", "format": "date-time"}
BOOL: JSONSchema = {"type": "string", "enum": ["true", "false"]}


@dataclass(frozen=True, slots=True)
class Param:
    """One request parameter: the name its parser accepts and what the OpenAPI document says.

    `json_model` names a wire model (in `schemas/`) when the value is URL-encoded JSON (T-11).
    """

    name: str
    doc: str
    schema: JSONSchema = field(default_factory=lambda: STRING)
    required: bool = False
    where: Literal["query", "header"] = "query"
    json_model: str | None = None


def names(params: tuple[Param, ...]) -> frozenset[str]:
    return frozenset(param.name for param in params)


AGENT_FILTER = Param("agent", "Filter by Agent or identified Group (JSON)", json_model="Actor")
SINGLE = (
    Param("statementId", "One statement by id (SR-30)", UUID),
    Param("voidedStatementId", "One voided statement (SR-31)", UUID),
)
FILTERS = (
    AGENT_FILTER,
    Param("verb", "Filter by verb id", IRI),
    Param("activity", "Filter by activity id", IRI),
    Param("registration", "Filter by registration", UUID),
    Param("related_activities", "Match activities anywhere", BOOL),
    Param("related_agents", "Match agents anywhere", BOOL),
    Param("since", "Stored strictly after", TIMESTAMP),
    Param("until", "Stored at or before", TIMESTAMP),
    Param("limit", "Page size; 0 = max", {"type": "integer", "minimum": 0}),
    Param("format", "Statement format (SR-43)", {"type": "string", "enum": list(FORMATS)}),
    Param("attachments", "multipart/mixed with attachments", BOOL),
    Param("ascending", "Oldest first", BOOL),
)
MORE = Param("more", "Continuation token from a previous page (SR-46)")
STATEMENT_GET: tuple[Param, ...] = (*SINGLE, *FILTERS, MORE)
"""Every parameter of GET/HEAD statements (SR-30..SR-47)."""
STATEMENT_PUT: tuple[Param, ...] = (
    Param("statementId", "The statement's id", UUID, required=True),
)
"""PUT statements takes exactly this one parameter (SR-1)."""
QUERY_PARAMS = names(FILTERS)
SINGLE_PARAMS = names(SINGLE)
_GET_NAMES = names(STATEMENT_GET)
_UNENCODED_PLUS = re.compile(r"(\d{2}:\d{2}:\d{2}(?:\.\d+)?) (\d{2}(?::?\d{2})?)$")


@dataclass(frozen=True, slots=True)
class SingleStatementRequest:
    statement_id: str
    voided: bool
    format: Format
    attachments: bool


@dataclass(frozen=True, slots=True)
class StatementQueryRequest:
    query: StatementQuery
    format: Format
    attachments: bool


def unique_params(pairs: list[tuple[str, str]]) -> dict[str, str]:
    """Parameters as a dict; a repeated name is ambiguous and rejected (T-12)."""
    params: dict[str, str] = {}
    for name, value in pairs:
        if name in params:
            raise BadRequestError(f"parameter {name!r} given more than once")
        params[name] = value
    return params


def parse_statement_get(
    params: dict[str, str], *, version: str, max_limit: int
) -> SingleStatementRequest | StatementQueryRequest:
    """Turn GET statements parameters into a single lookup or a query (SR-32, SR-41)."""
    unknown = set(params) - _GET_NAMES
    if unknown:
        raise BadRequestError(f"unknown parameter {sorted(unknown)[0]!r}")
    if MORE.name in params:
        if len(params) > 1:
            raise BadRequestError("'more' cannot be combined with other parameters")
        return decode_more(params[MORE.name], max_limit)
    fmt = _format(params)
    attachments = _bool(params, "attachments")
    ids = SINGLE_PARAMS & set(params)
    if ids:
        extra = set(params) - ids - {"format", "attachments"}
        if len(ids) > 1 or extra:
            names = sorted(extra | ids)
            raise BadRequestError(
                f"statementId/voidedStatementId allow only format and attachments, got {names}"
            )
        (name,) = ids
        value = params[name]
        if not is_uuid(value):
            raise BadRequestError(f"{name} must be a UUID")
        return SingleStatementRequest(value.lower(), name == "voidedStatementId", fmt, attachments)
    query = StatementQuery(
        agent=_agent(params, version),
        related_agents=_bool(params, "related_agents"),
        verb=_iri(params, "verb"),
        activity=_iri(params, "activity"),
        related_activities=_bool(params, "related_activities"),
        registration=_registration(params),
        since_ms=_timestamp(params, "since", version),
        until_ms=_timestamp(params, "until", version),
        limit=_limit(params, max_limit),
        ascending=_bool(params, "ascending"),
    )
    return StatementQueryRequest(query, fmt, attachments)


def _format(params: dict[str, str]) -> Format:
    value = params.get("format", "exact")
    for fmt in FORMATS:
        if value == fmt:
            return fmt
    raise BadRequestError("format must be ids, exact or canonical")


def _bool(params: dict[str, str], name: str) -> bool:
    value = params.get(name, "false")
    if value not in ("true", "false"):
        raise BadRequestError(f"{name} must be true or false")
    return value == "true"


def _iri(params: dict[str, str], name: str) -> str | None:
    value = params.get(name)
    if value is not None and not is_iri(value):
        raise BadRequestError(f"{name} must be an IRI")
    return value


def _registration(params: dict[str, str]) -> str | None:
    value = params.get("registration")
    if value is None:
        return None
    if not is_uuid(value):
        raise BadRequestError("registration must be a UUID")
    return value.lower()


def _agent(params: dict[str, str], version: str) -> str | None:
    value = params.get("agent")
    if value is None:
        return None
    agent = parse_agent_parameter(value, version, allow_identified_group=True)
    key = agent_key(agent)
    if key is None:
        raise BadRequestError("agent must be an Agent or an identified Group")
    return key


def parse_time_parameter(value: str, name: str, version: str) -> int:
    """A since/until style parameter in epoch ms, lenient about an unencoded '+' (T-14)."""
    candidate = _UNENCODED_PLUS.sub(r"\1+\2", value)
    try:
        return to_ms(parse_timestamp(candidate, version))
    except ValueError:
        raise BadRequestError(f"{name} must be an RFC 3339 timestamp") from None


def _timestamp(params: dict[str, str], name: str, version: str) -> int | None:
    value = params.get(name)
    return None if value is None else parse_time_parameter(value, name, version)


def _limit(params: dict[str, str], max_limit: int) -> int:
    value = params.get("limit", "0")
    if not value.isascii() or not value.isdigit():
        raise BadRequestError("limit must be a non-negative integer")
    limit = int(value)
    return max_limit if limit == 0 else min(limit, max_limit)


def encode_more(request: StatementQueryRequest, last_seq: int, through_seq: int | None) -> str:
    """A stateless token that resumes the query after `last_seq` (SR-46); valid indefinitely.

    `through_seq`, once set, stays in every later token: ascending paging then ends.
    """
    query = {**asdict(request.query), "after_seq": last_seq}
    if through_seq is not None:
        query["through_seq"] = through_seq
    payload = {"q": query, "f": request.format, "a": request.attachments}
    return base64.urlsafe_b64encode(orjson.dumps(payload)).decode().rstrip("=")


_TEXT_FIELDS = ("agent", "verb", "activity", "registration", "authority")
_FLAG_FIELDS = ("related_agents", "related_activities", "ascending")
_NUMBER_FIELDS = ("since_ms", "until_ms", "after_seq", "through_seq")
_NUMBER_BOUND = 2**62  # well inside the 64-bit integers the stores bind


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and abs(value) < _NUMBER_BOUND


def _checked_query(fields: Any, max_limit: int) -> StatementQuery:
    """The token's query with every field of the type the store binds (a forged token is not
    a store error) and a limit within the page size."""
    if not isinstance(fields, dict):
        raise ValueError("query")
    query = StatementQuery(**fields)
    for name in _TEXT_FIELDS:
        value = getattr(query, name)
        if value is not None and not isinstance(value, str):
            raise ValueError(name)
    for name in _FLAG_FIELDS:
        if not isinstance(getattr(query, name), bool):
            raise ValueError(name)
    for name in _NUMBER_FIELDS:
        value = getattr(query, name)
        if value is not None and not _is_int(value):
            raise ValueError(name)
    if not _is_int(query.limit) or not 0 < query.limit <= max_limit:
        raise ValueError("limit")
    return query


def decode_more(token: str, max_limit: int) -> StatementQueryRequest:
    """The query a `more` token resumes; anything but a token this LRS issued is a 400."""
    try:
        padded = token + "=" * (-len(token) % 4)
        payload: Any = orjson.loads(base64.urlsafe_b64decode(padded.encode()))
        query = _checked_query(payload["q"], max_limit)
        fmt = payload["f"]
        if fmt not in FORMATS or not isinstance(payload["a"], bool):
            raise ValueError(fmt)
        return StatementQueryRequest(query, fmt, payload["a"])
    except (binascii.Error, ValueError, TypeError, KeyError, orjson.JSONDecodeError):
        raise BadRequestError("the 'more' token is not valid") from None

"""Flat rows for BI tools: statements, attainments and the outcome x KPI table as CSV or NDJSON.

Statement columns (stable; new ones are only ever appended): see STATEMENT_COLUMNS. Several
values in one cell (parent_ids, grouping_ids, category_ids) are separated by single spaces.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any, Literal

import orjson

from service.outcomes.durations import duration_ms
from service.outcomes.learners import learner_id

ExportFormat = Literal["csv", "ndjson", "parquet"]
MEDIA_TYPES: dict[ExportFormat, str] = {
    "csv": "text/csv; charset=utf-8",
    "ndjson": "application/x-ndjson; charset=utf-8",
    "parquet": "application/vnd.apache.parquet",
}
STATEMENT_COLUMNS = (
    "id", "timestamp", "stored", "tenant",
    "actor_id", "actor_name", "actor_type",
    "verb_id", "verb_display",
    "object_id", "object_type", "object_name", "object_activity_type",
    "result_success", "result_completion",
    "result_score_scaled", "result_score_raw", "result_score_min", "result_score_max",
    "result_duration", "result_duration_seconds", "result_response",
    "registration", "platform", "language",
    "parent_ids", "grouping_ids", "category_ids",
    "authority_id", "version",
    "actor_email", "actor_account_home_page", "actor_account_name",
    "instructor_id", "team_id",
    "result_extensions", "context_extensions", "object_extensions",
    "timestamp_original",
)  # fmt: skip
JSON_COLUMNS = frozenset({"result_extensions", "context_extensions", "object_extensions"})
"""Columns whose cell is a JSON text (an extensions object), for warehouses' JSON types."""
FEED_COLUMNS = (
    "cursor", "kind", *STATEMENT_COLUMNS, "statement",
    "voiding_statement_id", "erasure_action", "erasure_reason", "changed_at",
    "map", "map_version", "outcome", "outcome_name", "learner", "level", "evidence_count",
    "attained_at", "change_id",
)  # fmt: skip
"""The change feed's columns: every row kind fills those that concern it (see
service.statements.feed); `statement` is the raw statement JSON as stored."""


def display(language_map: dict[str, str] | None) -> str | None:
    """One text from a language map: en-US, then en, then the first given."""
    if not language_map:
        return None
    for tag in ("en-US", "en"):
        if tag in language_map:
            return language_map[tag]
    return next(iter(language_map.values()))


def flatten_statement(
    statement: dict[str, Any], tenant: str, original_timestamp: str | None = None
) -> dict[str, Any]:
    """One statement as one flat row of STATEMENT_COLUMNS; `original_timestamp` is the
    `timestamp` as the client sent it when V-12 rewrote it to UTC."""
    actor, verb, obj = statement["actor"], statement["verb"], statement["object"]
    object_type = obj.get("objectType", "Activity")
    definition = obj.get("definition", {}) if object_type == "Activity" else {}
    result = statement.get("result", {})
    score = result.get("score", {})
    context = statement.get("context", {})
    activities = context.get("contextActivities", {})
    duration = result.get("duration")
    taken = duration_ms(duration) if duration else None
    authority = statement.get("authority")
    return {
        "id": statement["id"],
        "timestamp": statement.get("timestamp"),
        "stored": statement.get("stored"),
        "tenant": tenant,
        "actor_id": learner_id(actor),
        "actor_name": actor.get("name"),
        "actor_type": actor.get("objectType", "Agent"),
        "verb_id": verb["id"],
        "verb_display": display(verb.get("display")),
        "object_id": _object_id(obj, object_type),
        "object_type": object_type,
        "object_name": display(definition.get("name")),
        "object_activity_type": definition.get("type"),
        "result_success": result.get("success"),
        "result_completion": result.get("completion"),
        "result_score_scaled": score.get("scaled"),
        "result_score_raw": score.get("raw"),
        "result_score_min": score.get("min"),
        "result_score_max": score.get("max"),
        "result_duration": duration,
        "result_duration_seconds": None if taken is None else taken / 1000,
        "result_response": result.get("response"),
        "registration": context.get("registration"),
        "platform": context.get("platform"),
        "language": context.get("language"),
        "parent_ids": _ids(activities.get("parent")),
        "grouping_ids": _ids(activities.get("grouping")),
        "category_ids": _ids(activities.get("category")),
        "authority_id": learner_id(authority) if authority else None,
        "version": statement.get("version"),
        **_identity(actor),
        "instructor_id": _agent_id(context.get("instructor")),
        "team_id": _agent_id(context.get("team")),
        "result_extensions": _json(result.get("extensions")),
        "context_extensions": _json(context.get("extensions")),
        "object_extensions": _json(definition.get("extensions")),
        "timestamp_original": original_timestamp or statement.get("timestamp"),
    }


def _identity(actor: dict[str, Any]) -> dict[str, Any]:
    """The actor's identifier in columns a warehouse joins on without string surgery."""
    mbox = actor.get("mbox")
    account = actor.get("account") or {}
    return {
        "actor_email": mbox[len("mailto:") :] if isinstance(mbox, str) else None,
        "actor_account_home_page": account.get("homePage"),
        "actor_account_name": account.get("name"),
    }


def learner_identity(learner: str) -> dict[str, str | None]:
    """A learner id (`mailto:...`, `account:HOME|NAME`, ...) split into join-ready columns."""
    email = learner[len("mailto:") :] if learner.startswith("mailto:") else None
    home = name = None
    if learner.startswith("account:") and "|" in learner:
        home, _, name = learner[len("account:") :].partition("|")
    return {"learner_email": email, "learner_account_home_page": home, "learner_account_name": name}


def _agent_id(agent: dict[str, Any] | None) -> str | None:
    return learner_id(agent) if agent else None


def _json(value: dict[str, Any] | None) -> str | None:
    """An extensions object as compact JSON text; None when absent or empty."""
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode() if value else None


def _object_id(obj: dict[str, Any], object_type: str) -> str | None:
    if object_type in ("Agent", "Group"):
        return learner_id(obj)
    value = obj.get("id")
    return value if isinstance(value, str) else None


def _ids(activities: list[dict[str, Any]] | None) -> str | None:
    return " ".join(a["id"] for a in activities) if activities else None


FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
"""Leading characters that make a spreadsheet read a cell as a formula (OWASP CSV injection)."""


def neutralise(text: str) -> str:
    """Text a spreadsheet shows as text: a leading formula character gets a `'` before it."""
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


def _cell(value: Any) -> Any:
    """Numbers stay numbers (a score of -0.5 is not a formula); every text is neutralised,
    ids and names alike, since all of them come from statements or uploads."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return neutralise(value)
    return value


def csv_header(columns: Iterable[str]) -> bytes:
    return csv_rows(columns, [{c: c for c in columns}])


def csv_rows(columns: Iterable[str], rows: Iterable[dict[str, Any]]) -> bytes:
    """RFC 4180 CSV lines (CRLF) of the rows' values in column order, UTF-8; text cells that
    start with a formula character are neutralised (the NDJSON exports carry values as sent)."""
    names = list(columns)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow([_cell(row.get(name)) for name in names])
    return buffer.getvalue().encode("utf-8")


def ndjson_rows(columns: Iterable[str], rows: Iterable[dict[str, Any]]) -> bytes:
    """One JSON object per line, keys in column order."""
    names = list(columns)
    return b"".join(orjson.dumps({n: row.get(n) for n in names}) + b"\n" for row in rows)


def encode(fmt: ExportFormat, columns: Iterable[str], rows: Iterable[dict[str, Any]]) -> bytes:
    return csv_rows(columns, rows) if fmt == "csv" else ndjson_rows(columns, rows)

"""Turn a validated statement into the form the LRS stores and returns (SR-10..SR-16, V-37)."""

from __future__ import annotations

from typing import Any

from service.model.ids import random_uuid
from service.model.statements import NewStatement
from service.xapi.datatypes import normalize_timestamp
from service.xapi.statement_index import index_statement
from service.xapi.versions import V1_0_3

DEFAULT_STATEMENT_VERSION = {V1_0_3: "1.0.0"}


def prepare_statement(
    statement: dict[str, Any], *, version: str, authority: dict[str, Any]
) -> NewStatement:
    """Assign id, version and authority; normalize timestamps and contextActivities in place.

    Actor, verb and object are never altered (SR-16); `stored` is assigned by the store.
    """
    statement_id = statement.get("id")
    statement_id = statement_id.lower() if statement_id else str(random_uuid())
    statement["id"] = statement_id
    statement.pop("stored", None)
    original = None
    if "timestamp" in statement:
        sent = statement["timestamp"]
        statement["timestamp"] = normalize_timestamp(sent, version)
        original = sent if sent != statement["timestamp"] else None
    statement["authority"] = authority
    statement.setdefault("version", DEFAULT_STATEMENT_VERSION.get(version, "2.0.0"))
    _normalize_context_activities(statement)
    obj = statement["object"]
    if obj.get("objectType") == "SubStatement":
        if "timestamp" in obj:
            obj["timestamp"] = normalize_timestamp(obj["timestamp"], version)
        _normalize_context_activities(obj)
    return NewStatement(
        id=statement_id,
        statement=statement,
        index=index_statement(statement),
        original_timestamp=original,
    )


def _normalize_context_activities(statement: dict[str, Any]) -> None:
    """Every contextActivities value is stored as an array (V-37)."""
    context = statement.get("context")
    if not context:
        return
    activities = context.get("contextActivities")
    if not activities:
        return
    for name, value in activities.items():
        if not isinstance(value, list):
            activities[name] = [value]

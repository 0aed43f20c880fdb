"""What a statement contributes to the query index and side tables (SR-7, SR-42, SR-43)."""

from __future__ import annotations

from typing import Any

from service.model.statements import KeyKind, StatementIndex
from service.xapi.agents import agent_key, identity_keys
from service.xapi.persons import seen_agents

VOIDED_VERB = "http://adlnet.gov/expapi/verbs/voided"
_ACTOR_TYPES = ("Agent", "Group")


def index_statement(statement: dict[str, Any]) -> StatementIndex:
    """Compute the keys by which queries find this statement."""
    keys: set[tuple[KeyKind, str]] = set()
    definitions: list[tuple[str, dict[str, Any]]] = []
    keys.add((KeyKind.VERB, statement["verb"]["id"]))
    obj = statement["object"]
    object_type = obj.get("objectType", "Activity")

    for key in identity_keys(statement["actor"]):
        keys.add((KeyKind.AGENT, key))
        keys.add((KeyKind.RELATED_AGENT, key))
    if object_type in _ACTOR_TYPES:
        for key in identity_keys(obj):
            keys.add((KeyKind.AGENT, key))
            keys.add((KeyKind.RELATED_AGENT, key))
    elif object_type == "Activity":
        keys.add((KeyKind.ACTIVITY, obj["id"]))
        keys.add((KeyKind.RELATED_ACTIVITY, obj["id"]))
        _collect_definition(obj, definitions)
    elif object_type == "SubStatement":
        _index_substatement(obj, keys, definitions)

    authority = statement.get("authority")
    if authority is not None:
        _add_related_agents(authority, keys)
    context = statement.get("context")
    if context is not None:
        _index_context(context, keys, definitions)
        registration = context.get("registration")
        if registration is not None:
            keys.add((KeyKind.REGISTRATION, registration.lower()))

    ref_target = obj["id"].lower() if object_type == "StatementRef" else None
    voids = ref_target if statement["verb"]["id"] == VOIDED_VERB else None
    return StatementIndex(
        keys=keys,
        ref_target=ref_target,
        voids=voids,
        definitions=definitions,
        agents=seen_agents(statement),
        authority=agent_key(authority) if authority is not None else None,
    )


def _add_related_agents(agent: dict[str, Any], keys: set[tuple[KeyKind, str]]) -> None:
    for key in identity_keys(agent):
        keys.add((KeyKind.RELATED_AGENT, key))


def _collect_definition(
    activity: dict[str, Any], definitions: list[tuple[str, dict[str, Any]]]
) -> None:
    definition = activity.get("definition")
    if definition:
        definitions.append((activity["id"], definition))


def _index_context(
    context: dict[str, Any],
    keys: set[tuple[KeyKind, str]],
    definitions: list[tuple[str, dict[str, Any]]],
) -> None:
    for role in ("instructor", "team"):
        agent = context.get(role)
        if agent is not None:
            _add_related_agents(agent, keys)
    for context_agent in context.get("contextAgents", ()):
        _add_related_agents(context_agent["agent"], keys)
    for context_group in context.get("contextGroups", ()):
        _add_related_agents(context_group["group"], keys)
    for activities in context.get("contextActivities", {}).values():
        for activity in activities if isinstance(activities, list) else [activities]:
            keys.add((KeyKind.RELATED_ACTIVITY, activity["id"]))
            _collect_definition(activity, definitions)


def _index_substatement(
    sub: dict[str, Any],
    keys: set[tuple[KeyKind, str]],
    definitions: list[tuple[str, dict[str, Any]]],
) -> None:
    """A SubStatement's agents and activities count only for the related_* filters (SR-42)."""
    _add_related_agents(sub["actor"], keys)
    obj = sub["object"]
    object_type = obj.get("objectType", "Activity")
    if object_type in _ACTOR_TYPES:
        _add_related_agents(obj, keys)
    elif object_type == "Activity":
        keys.add((KeyKind.RELATED_ACTIVITY, obj["id"]))
        _collect_definition(obj, definitions)
    context = sub.get("context")
    if context is not None:
        _index_context(context, keys, definitions)

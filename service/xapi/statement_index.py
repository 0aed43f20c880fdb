"""What a statement contributes to the query index and side tables (SR-7, SR-42, SR-43, RS-6)."""

from __future__ import annotations

from typing import Any

from service.model.statements import KeyKind, StatementIndex
from service.xapi.agents import agent_key

VOIDED_VERB = "http://adlnet.gov/expapi/verbs/voided"
_ACTOR_TYPES = ("Agent", "Group")
_AGENT = KeyKind.AGENT
_RELATED_AGENT = KeyKind.RELATED_AGENT
_ACTIVITY = KeyKind.ACTIVITY
_RELATED_ACTIVITY = KeyKind.RELATED_ACTIVITY

Keys = set[tuple[KeyKind, str]]
Definitions = list[tuple[str, dict[str, Any]]]
Seen = dict[tuple[str, Any], dict[str, Any]]


def index_statement(statement: dict[str, Any]) -> StatementIndex:
    """Compute the keys by which queries find this statement, in one walk over it.

    `agents` are the identified agents and groups it names, authority excluded, first
    occurrence of each (key, name) kept: actor, an Agent/Group object, the same places in a
    SubStatement, then instructor, team, group members, 2.0 context agents and groups.
    """
    verb_id = statement["verb"]["id"]
    keys: Keys = {(KeyKind.VERB, verb_id)}
    definitions: Definitions = []
    seen: Seen = {}
    obj = statement["object"]
    object_type = obj.get("objectType", "Activity")

    _add_agent(statement["actor"], keys, seen, direct=True)
    if object_type == "Activity":
        _add_activity(obj, keys, definitions, direct=True)
    elif object_type in _ACTOR_TYPES:
        _add_agent(obj, keys, seen, direct=True)
    elif object_type == "SubStatement":
        _index_substatement(obj, keys, seen, definitions)

    authority = statement.get("authority")
    authority_key = None
    if authority is not None:
        authority_key = agent_key(authority)
        if authority_key is not None:
            keys.add((_RELATED_AGENT, authority_key))
        for member in authority.get("member", ()):
            member_key = agent_key(member)
            if member_key is not None:
                keys.add((_RELATED_AGENT, member_key))
    context = statement.get("context")
    if context is not None:
        _index_context(context, keys, seen, definitions)
        registration = context.get("registration")
        if registration is not None:
            keys.add((KeyKind.REGISTRATION, registration.lower()))

    ref_target = obj["id"].lower() if object_type == "StatementRef" else None
    voids = ref_target if verb_id == VOIDED_VERB else None
    return StatementIndex(
        keys=keys,
        ref_target=ref_target,
        voids=voids,
        definitions=definitions,
        agents=list(seen.values()),
        authority=authority_key,
    )


def _add_agent(agent: dict[str, Any], keys: Keys, seen: Seen, *, direct: bool) -> None:
    """An agent or group and its members (SR-42: members match too); `direct` for the
    statement's own actor and object, which the plain `agent` filter matches."""
    for person in (agent, *agent.get("member", ())):
        key = agent_key(person)
        if key is None:
            continue
        if direct:
            keys.add((_AGENT, key))
        keys.add((_RELATED_AGENT, key))
        seen.setdefault((key, person.get("name")), person)


def _add_activity(
    activity: dict[str, Any], keys: Keys, definitions: Definitions, *, direct: bool
) -> None:
    activity_id = activity["id"]
    if direct:
        keys.add((_ACTIVITY, activity_id))
    keys.add((_RELATED_ACTIVITY, activity_id))
    definition = activity.get("definition")
    if definition:
        definitions.append((activity_id, definition))


def _index_context(
    context: dict[str, Any], keys: Keys, seen: Seen, definitions: Definitions
) -> None:
    instructor = context.get("instructor")
    if instructor is not None:
        _add_agent(instructor, keys, seen, direct=False)
    team = context.get("team")
    if team is not None:
        _add_agent(team, keys, seen, direct=False)
    for context_agent in context.get("contextAgents", ()):
        _add_agent(context_agent["agent"], keys, seen, direct=False)
    for context_group in context.get("contextGroups", ()):
        _add_agent(context_group["group"], keys, seen, direct=False)
    for activities in context.get("contextActivities", {}).values():
        for activity in activities if isinstance(activities, list) else [activities]:
            _add_activity(activity, keys, definitions, direct=False)


def _index_substatement(
    sub: dict[str, Any], keys: Keys, seen: Seen, definitions: Definitions
) -> None:
    """A SubStatement's agents and activities count only for the related_* filters (SR-42)."""
    _add_agent(sub["actor"], keys, seen, direct=False)
    obj = sub["object"]
    object_type = obj.get("objectType", "Activity")
    if object_type in _ACTOR_TYPES:
        _add_agent(obj, keys, seen, direct=False)
    elif object_type == "Activity":
        _add_activity(obj, keys, definitions, direct=False)
    context = sub.get("context")
    if context is not None:
        _index_context(context, keys, seen, definitions)

"""The `ids` and `canonical` statement formats (SR-50..SR-52); `exact` is the stored body."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from service.xapi.agents import IFI_PROPERTIES
from service.xapi.languages import pick_language

Transform = Callable[[dict[str, Any]], dict[str, Any]]
_INTERACTION_LISTS = ("choices", "scale", "source", "target", "steps")


def ids_format(statement: dict[str, Any]) -> dict[str, Any]:
    """Keep only identifying data of agents, groups, activities and verbs (SR-51)."""
    return _map_statement(statement, _ids_agent, _ids_activity, _ids_verb)


def canonical_format(
    statement: dict[str, Any], definitions: dict[str, dict[str, Any]], languages: list[str]
) -> dict[str, Any]:
    """Activities carry the LRS's canonical definition; language maps keep one entry (SR-52)."""

    def activity(value: dict[str, Any]) -> dict[str, Any]:
        out = {k: v for k, v in value.items() if k != "definition"}
        definition = definitions.get(value["id"])
        if definition:
            out["definition"] = _reduce_definition(definition, languages)
        return out

    def verb(value: dict[str, Any]) -> dict[str, Any]:
        display = value.get("display")
        if display is None:
            return value
        return {**value, "display": pick_language(display, languages)}

    return _map_statement(statement, lambda agent: agent, activity, verb)


def activity_ids(statement: dict[str, Any]) -> Iterator[str]:
    """Every activity id a canonical rendering needs a definition for."""
    for activity in _activities(statement):
        yield activity["id"]
    obj = statement["object"]
    if obj.get("objectType") == "SubStatement":
        yield from activity_ids(obj)


def _activities(statement: dict[str, Any]) -> Iterator[dict[str, Any]]:
    obj = statement["object"]
    if obj.get("objectType", "Activity") == "Activity":
        yield obj
    context = statement.get("context") or {}
    for values in (context.get("contextActivities") or {}).values():
        yield from values if isinstance(values, list) else [values]


def _reduce_definition(definition: dict[str, Any], languages: list[str]) -> dict[str, Any]:
    out = dict(definition)
    for name in ("name", "description"):
        if isinstance(out.get(name), dict):
            out[name] = pick_language(out[name], languages)
    for name in _INTERACTION_LISTS:
        components = out.get(name)
        if isinstance(components, list):
            out[name] = [
                {**c, "description": pick_language(c["description"], languages)}
                if isinstance(c.get("description"), dict)
                else c
                for c in components
            ]
    return out


def _ids_agent(agent: dict[str, Any]) -> dict[str, Any]:
    out = {k: agent[k] for k in ("objectType", *IFI_PROPERTIES) if k in agent}
    if "member" in agent and not any(k in agent for k in IFI_PROPERTIES):
        out["member"] = [_ids_agent(member) for member in agent["member"]]
    return out


def _ids_activity(activity: dict[str, Any]) -> dict[str, Any]:
    return {"id": activity["id"]}


def _ids_verb(verb: dict[str, Any]) -> dict[str, Any]:
    return {"id": verb["id"]}


def _map_statement(
    statement: dict[str, Any], agent: Transform, activity: Transform, verb: Transform
) -> dict[str, Any]:
    """Copy a statement, passing every agent/group, activity and verb through the transforms."""
    out = dict(statement)
    out["actor"] = agent(statement["actor"])
    out["verb"] = verb(statement["verb"])
    obj = statement["object"]
    object_type = obj.get("objectType", "Activity")
    if object_type == "Activity":
        out["object"] = activity(obj)
    elif object_type in ("Agent", "Group"):
        out["object"] = agent(obj)
    elif object_type == "SubStatement":
        out["object"] = _map_statement(obj, agent, activity, verb)
    if "authority" in statement:
        out["authority"] = agent(statement["authority"])
    context = statement.get("context")
    if context:
        out["context"] = _map_context(context, agent, activity)
    return out


def _map_context(context: dict[str, Any], agent: Transform, activity: Transform) -> dict[str, Any]:
    out = dict(context)
    for role in ("instructor", "team"):
        if role in context:
            out[role] = agent(context[role])
    if "contextAgents" in context:
        out["contextAgents"] = [{**c, "agent": agent(c["agent"])} for c in context["contextAgents"]]
    if "contextGroups" in context:
        out["contextGroups"] = [{**c, "group": agent(c["group"])} for c in context["contextGroups"]]
    if "contextActivities" in context:
        out["contextActivities"] = {
            name: [activity(a) for a in (values if isinstance(values, list) else [values])]
            for name, values in context["contextActivities"].items()
        }
    return out

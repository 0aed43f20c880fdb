"""Agents seen in statements and the Person object built from them (RS-6, SR-7)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from service.xapi.agents import IFI_PROPERTIES, agent_key

_ACTOR_TYPES = ("Agent", "Group")


def seen_agents(statement: dict[str, Any]) -> list[dict[str, Any]]:
    """Identified agents and groups named in a statement, authority excluded, without repeats.

    Covers actor, an Agent/Group object, instructor, team, group members, 2.0 context agents
    and groups, and the same places inside a SubStatement.
    """
    seen: dict[tuple[str, str | None], dict[str, Any]] = {}
    for agent in _statement_agents(statement):
        key = agent_key(agent)
        if key is not None:
            seen.setdefault((key, agent.get("name")), agent)
    return list(seen.values())


def _statement_agents(statement: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield from _with_members(statement["actor"])
    obj = statement["object"]
    object_type = obj.get("objectType", "Activity")
    if object_type in _ACTOR_TYPES:
        yield from _with_members(obj)
    elif object_type == "SubStatement":
        yield from _statement_agents(obj)
    context = statement.get("context") or {}
    for role in ("instructor", "team"):
        if context.get(role) is not None:
            yield from _with_members(context[role])
    for context_agent in context.get("contextAgents", ()):
        yield context_agent["agent"]
    for context_group in context.get("contextGroups", ()):
        yield from _with_members(context_group["group"])


def _with_members(agent: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield agent
    yield from agent.get("member", ())


def ifi_of(agent: dict[str, Any]) -> dict[str, Any]:
    """Only the inverse functional identifier of an agent, e.g. {"mbox": "mailto:..."}."""
    return {name: agent[name] for name in IFI_PROPERTIES if name in agent}


def person_object(agent: dict[str, Any], names: list[str]) -> dict[str, Any]:
    """The Person answered by GET agents: every property an array, empty ones omitted (RS-6).

    Holds the requested agent's IFI and its name plus the names stored statements used with it.
    """
    person: dict[str, Any] = {"objectType": "Person"}
    requested = agent.get("name")
    all_names = list(dict.fromkeys(([requested] if isinstance(requested, str) else []) + names))
    if all_names:
        person["name"] = all_names
    for name, value in ifi_of(agent).items():
        person[name] = [value]
    return person

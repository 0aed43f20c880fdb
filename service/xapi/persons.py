"""Agents seen in statements and the Person object built from them (RS-6, SR-7)."""

from __future__ import annotations

from typing import Any

from service.xapi.agents import IFI_PROPERTIES
from service.xapi.statement_index import index_statement


def seen_agents(statement: dict[str, Any]) -> list[dict[str, Any]]:
    """Identified agents and groups named in a statement, authority excluded, without repeats.

    Covers actor, an Agent/Group object, instructor, team, group members, 2.0 context agents
    and groups, and the same places inside a SubStatement (found by the index's walk).
    """
    return index_statement(statement).agents


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

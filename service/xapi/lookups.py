"""Parameters and answers of the Activities and Agents resources (RS-1..RS-7, T-12)."""

from __future__ import annotations

from typing import Any

from service.model.errors import BadRequestError
from service.xapi.agent_param import parse_agent_parameter
from service.xapi.datatypes import is_iri
from service.xapi.statement_params import IRI, Param

ACTIVITY_LOOKUP = Param("activityId", "The activity's IRI", IRI, required=True)
AGENT_LOOKUP = Param("agent", "The Agent (JSON)", required=True, json_model="Actor")


def _only(params: dict[str, str], name: str) -> str:
    """The value of the one parameter a lookup takes; 400 when missing or joined by others."""
    unknown = sorted(set(params) - {name})
    if unknown:
        raise BadRequestError(f"unknown parameter {unknown[0]!r}")
    if name not in params:
        raise BadRequestError(f"the {name} parameter is required")
    return params[name]


def parse_activity_lookup(params: dict[str, str]) -> str:
    """The activityId of GET activities (RS-1); compared as a plain string (RS-5)."""
    activity_id = _only(params, ACTIVITY_LOOKUP.name)
    if not is_iri(activity_id):
        raise BadRequestError("activityId must be an IRI")
    return activity_id


def activity_object(activity_id: str, definition: dict[str, Any] | None) -> dict[str, Any]:
    """The Activity answered by GET activities; no definition when none is known (RS-2, RS-3)."""
    activity: dict[str, Any] = {"objectType": "Activity", "id": activity_id}
    if definition:
        activity["definition"] = definition
    return activity


def parse_agent_lookup(params: dict[str, str], version: str) -> dict[str, Any]:
    """The Agent of GET agents; an agent without exactly one IFI is rejected (RS-7)."""
    return parse_agent_parameter(
        _only(params, AGENT_LOOKUP.name), version, allow_identified_group=False
    )

"""The JSON `agent` query parameter of statements and document resources (T-11, SR-41, D-7)."""

from __future__ import annotations

from typing import Any

import orjson
from pydantic import TypeAdapter, ValidationError

from schemas.agents import Actor
from service.model.errors import BadRequestError
from service.xapi.agents import agent_key

_ACTOR = TypeAdapter[Any](Actor)


def parse_agent_parameter(
    value: str, version: str, *, allow_identified_group: bool
) -> dict[str, Any]:
    """The agent as a dict: an Agent, or an identified Group where allowed; 400 otherwise."""
    try:
        agent = orjson.loads(value)
    except orjson.JSONDecodeError:
        raise BadRequestError("agent must be JSON") from None
    if not isinstance(agent, dict):
        raise BadRequestError("agent must be a JSON object")
    try:
        _ACTOR.validate_python(agent, strict=True, context={"version": version})
    except ValidationError as exc:
        raise BadRequestError(f"agent is not a valid Agent: {exc.errors()[0]['msg']}") from None
    if agent.get("objectType") == "Group":
        if not allow_identified_group:
            raise BadRequestError("agent must be an Agent, not a Group")
        if agent_key(agent) is None:
            raise BadRequestError("agent must identify one Agent or an identified Group")
    return agent

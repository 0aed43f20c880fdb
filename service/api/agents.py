"""The Agents resource (RS-6, RS-7): a Person object for one agent."""

from __future__ import annotations

import orjson
from fastapi import APIRouter, Request, Response

from service.api.deps import PrincipalDep, RuntimeDep, VersionDep
from service.xapi.agents import agent_key
from service.xapi.lookups import parse_agent_lookup
from service.xapi.persons import person_object
from service.xapi.statement_params import unique_params

router = APIRouter(tags=["agents"])
READ_SCOPES = ("all/read", "statements/read", "profile")


@router.get("/agents")
@router.head("/agents")
async def get_person(
    request: Request, runtime: RuntimeDep, principal: PrincipalDep, version: VersionDep
) -> Response:
    """The requested agent's IFI and every name known for it; unknown agents too (RS-6)."""
    principal.require(*READ_SCOPES)
    agent = parse_agent_lookup(unique_params(request.query_params.multi_items()), version)
    key = agent_key(agent)
    known = await runtime.store.get_agent(principal.tenant, key) if key is not None else None
    body = orjson.dumps(person_object(agent, known.names if known is not None else []))
    return Response(body, media_type="application/json")

"""The Agents resource (RS-6, RS-7): a Person object for one agent."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import APIRouter, Request, Response

from service.api.declared import operation
from service.api.deps import PrincipalDep, StatementStoreDep, VersionDep
from service.xapi.agents import agent_key
from service.xapi.lookups import AGENT_LOOKUP, parse_agent_lookup
from service.xapi.persons import person_object
from service.xapi.statement_params import unique_params

router = APIRouter(tags=["agents"], default_response_class=Response)
READ_SCOPES = ("all/read", "statements/read", "profile")


_FOUND: dict[int | str, dict[str, Any]] = {200: {"description": "The Person"}}
_PARAMS = operation([AGENT_LOOKUP])


@router.get("/agents", responses=_FOUND, openapi_extra=_PARAMS)
@router.head("/agents", responses=_FOUND, openapi_extra=_PARAMS)
async def get_person(
    request: Request, store: StatementStoreDep, principal: PrincipalDep, version: VersionDep
) -> Response:
    """The requested agent's IFI and every name known for it; unknown agents too (RS-6)."""
    principal.require(*READ_SCOPES)
    agent = parse_agent_lookup(unique_params(request.query_params.multi_items()), version)
    key = agent_key(agent)
    known = await store.get_agent(principal.tenant, key) if key is not None else None
    body = orjson.dumps(person_object(agent, known.names if known is not None else []))
    return Response(body, media_type="application/json")

"""The Activities resource (RS-1..RS-5): the canonical definition of one activity."""

from __future__ import annotations

import orjson
from fastapi import APIRouter, Request, Response

from service.api.deps import PrincipalDep, RuntimeDep
from service.xapi.lookups import activity_object, parse_activity_lookup
from service.xapi.statement_params import unique_params

router = APIRouter(tags=["activities"])
READ_SCOPES = ("all/read", "statements/read", "profile")


@router.get("/activities")
@router.head("/activities")
async def get_activity(request: Request, runtime: RuntimeDep, principal: PrincipalDep) -> Response:
    """The stored activity, or just its id when unknown (RS-1, RS-2)."""
    principal.require(*READ_SCOPES)
    activity_id = parse_activity_lookup(unique_params(request.query_params.multi_items()))
    found = await runtime.store.get_activity_definitions(principal.tenant, [activity_id])
    body = orjson.dumps(activity_object(activity_id, found.get(activity_id)))
    return Response(body, media_type="application/json")

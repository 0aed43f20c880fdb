"""The Activities resource (RS-1..RS-5): the canonical definition of one activity."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import APIRouter, Request, Response

from service.api.declared import operation
from service.api.deps import PrincipalDep, StatementStoreDep
from service.xapi.lookups import ACTIVITY_LOOKUP, activity_object, parse_activity_lookup
from service.xapi.statement_params import unique_params

router = APIRouter(tags=["activities"], default_response_class=Response)
READ_SCOPES = ("all/read", "statements/read", "profile")


_FOUND: dict[int | str, dict[str, Any]] = {200: {"description": "The Activity"}}
_PARAMS = operation([ACTIVITY_LOOKUP])


@router.get("/activities", responses=_FOUND, openapi_extra=_PARAMS)
@router.head("/activities", responses=_FOUND, openapi_extra=_PARAMS)
async def get_activity(
    request: Request, store: StatementStoreDep, principal: PrincipalDep
) -> Response:
    """The stored activity, or just its id when unknown (RS-1, RS-2)."""
    principal.require(*READ_SCOPES)
    activity_id = parse_activity_lookup(unique_params(request.query_params.multi_items()))
    found = await store.get_activity_definitions(principal.tenant, [activity_id])
    body = orjson.dumps(activity_object(activity_id, found.get(activity_id)))
    return Response(body, media_type="application/json")

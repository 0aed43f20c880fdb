"""What the outcome routers share: scopes, JSON responses, bodies and the active map."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import Request
from fastapi.responses import Response

from service.api.bodies import check_declared_length, read_limited
from service.model.errors import NotFoundError
from service.outcomes.engine import ActiveMap, OutcomeEngine
from service.outcomes.privacy import group_floor
from service.settings import Settings
from service.tenancy.auth import Principal
from service.xapi.statement_params import unique_params

READ = "outcomes/read"
WRITE = "outcomes/write"
EXPORT = "export"
JSON = "application/json"


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(orjson.dumps(data), status_code=status, media_type=JSON, headers=headers)


def params_of(request: Request) -> dict[str, str]:
    return unique_params(request.query_params.multi_items())


async def read_body(request: Request, limit: int) -> bytes:
    """The whole body, up to `limit` bytes (LRS_MAX_BODY_BYTES)."""
    check_declared_length(request.headers.get("content-length"), limit)
    return await read_limited(request.receive, limit)


async def active_map(outcomes: OutcomeEngine, tenant: str) -> ActiveMap:
    """The map version queries answer from; 404 until one has been evaluated."""
    active = await outcomes.active(tenant)
    if active is None:
        raise NotFoundError(
            "no outcome map has been evaluated yet: PUT /outcomes/map, then watch "
            "GET /outcomes/map/evaluation"
        )
    return active


def min_group(settings: Settings, principal: Principal) -> int:
    """The minimum group size of the principal's tenant."""
    return group_floor(settings.min_group_size, settings.min_group_size_tenants, principal.tenant)

"""What the outcome routers share: scopes, JSON responses, bodies and the active map."""

from __future__ import annotations

import re
from typing import Any

import orjson
from fastapi import Request
from fastapi.responses import Response

from service.api.bodies import check_declared_length, read_limited
from service.model.errors import BadRequestError, NotFoundError
from service.model.outcomes import DEFAULT_MAP
from service.outcomes.engine import ActiveMap, OutcomeEngine
from service.outcomes.privacy import group_floor
from service.settings import Settings
from service.tenancy.auth import Principal
from service.xapi.statement_params import unique_params

_MAP_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,79}")
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


async def active_map(
    outcomes: OutcomeEngine, tenant: str, params: dict[str, str] | None = None
) -> ActiveMap:
    """The version queries answer from, of the map `params["map"]` (default `default`);
    404 until one has been evaluated."""
    name = map_name((params or {}).get("map", DEFAULT_MAP))
    active = await outcomes.active(tenant, name)
    if active is None:
        where = "/outcomes/map" if name == DEFAULT_MAP else f"/outcomes/maps/{name}"
        raise NotFoundError(
            f"no version of the outcome map {name!r} has been evaluated yet: PUT {where}, "
            "then watch GET /outcomes/map/evaluation"
        )
    return active


def map_name(value: str) -> str:
    """A map name: a slug (letters, digits, '.', '_' or '-', at most 80)."""
    if _MAP_NAME.fullmatch(value) is None:
        raise BadRequestError("map must be a name of letters, digits, '.', '_' or '-'")
    return value


def min_group(settings: Settings, principal: Principal) -> int:
    """The minimum group size of the principal's tenant."""
    return group_floor(settings.min_group_size, settings.min_group_size_tenants, principal.tenant)


def map_fields(active: ActiveMap) -> dict[str, Any]:
    """Which map and version a report answered from."""
    return {"map": active.version.name, "map_version": active.version.number}

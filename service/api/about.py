"""The About resource (RS-9, T-4): no credentials, no version header needed."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import APIRouter, Request, Response

from service.xapi.versions import ABOUT_VERSIONS, ABOUT_VERSIONS_1, about_versions

router = APIRouter(tags=["about"], default_response_class=Response)
VERSION_HEADER = "X-Experience-API-Version"
_BODIES: dict[tuple[str, ...], bytes] = {
    v: orjson.dumps({"version": list(v)}) for v in (ABOUT_VERSIONS, ABOUT_VERSIONS_1)
}


_VERSIONS: dict[int | str, dict[str, Any]] = {200: {"description": "Versions"}}


@router.get("/about", responses=_VERSIONS)
@router.head("/about", responses=_VERSIONS)
async def get_about(request: Request) -> Response:
    return Response(
        _BODIES[about_versions(request.headers.get(VERSION_HEADER))],
        media_type="application/json",
        # The body depends on the version header: a shared cache must not mix the answers.
        headers={"Vary": VERSION_HEADER},
    )

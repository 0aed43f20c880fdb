"""The About resource (RS-9, T-4): no credentials, no version header needed."""

from __future__ import annotations

import orjson
from fastapi import APIRouter, Request, Response

from service.xapi.versions import about_versions

router = APIRouter(tags=["about"])
VERSION_HEADER = "X-Experience-API-Version"


@router.get("/about")
@router.head("/about")
async def get_about(request: Request) -> Response:
    versions = about_versions(request.headers.get(VERSION_HEADER))
    return Response(
        orjson.dumps({"version": list(versions)}),
        media_type="application/json",
        # The body depends on the version header: a shared cache must not mix the answers.
        headers={"Vary": VERSION_HEADER},
    )

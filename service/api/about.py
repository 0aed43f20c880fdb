"""The About resource (RS-9, T-4): no credentials, no version header needed."""

from __future__ import annotations

import orjson
from fastapi import APIRouter, Response

from service.xapi.versions import ABOUT_VERSIONS

router = APIRouter(tags=["about"])
_ABOUT = orjson.dumps({"version": list(ABOUT_VERSIONS)})


@router.get("/about")
@router.head("/about")
async def get_about() -> Response:
    return Response(_ABOUT, media_type="application/json")

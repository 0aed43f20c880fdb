"""Operations endpoints outside the xAPI base path: liveness, readiness, version, metrics.

They need no xAPI version header and no credentials, except `/metrics`: it needs a credential
with the LRS_METRICS_SCOPE scope (`metrics`) unless LRS_METRICS_OPEN is set.
"""

from __future__ import annotations

import orjson
from fastapi import APIRouter, Request, Response

from service import __version__
from service.api.deps import (
    GaugesDep,
    MetricsDep,
    ReadinessChecksDep,
    SettingsDep,
    StoreKindDep,
    get_principal,
)
from service.ops.health import evaluate
from service.ops.metrics import CONTENT_TYPE

router = APIRouter(tags=["operations"])
JSON = "application/json"
_ALIVE = orjson.dumps({"status": "ok"})


def _answer(request: Request, body: bytes, status: int = 200, media_type: str = JSON) -> Response:
    """The response, with no body for HEAD (these routes are outside the xAPI middleware)."""
    if request.method == "HEAD":
        return Response(status_code=status, media_type=media_type)
    return Response(body, status_code=status, media_type=media_type)


@router.get("/healthz")
@router.head("/healthz")
async def get_liveness(request: Request) -> Response:
    """Liveness: the process answers; no I/O."""
    return _answer(request, _ALIVE)


@router.get("/readyz")
@router.head("/readyz")
async def get_readiness(
    request: Request, checks: ReadinessChecksDep, settings: SettingsDep
) -> Response:
    """Readiness: every check passes, else 503 naming each failing check."""
    outcome = await evaluate(checks, settings.ready_timeout)
    ready = all(problem is None for problem in outcome.values())
    results = {
        name: {"ok": True} if problem is None else {"ok": False, "problem": problem}
        for name, problem in outcome.items()
    }
    body = orjson.dumps({"status": "ready" if ready else "unavailable", "checks": results})
    return _answer(request, body, 200 if ready else 503)


@router.get("/version")
@router.head("/version")
async def get_version_info(request: Request, store_kind: StoreKindDep) -> Response:
    """The build version and the kind of store in use."""
    return _answer(request, orjson.dumps({"version": __version__, "store": store_kind}))


@router.get("/metrics")
async def get_metrics(
    request: Request, metrics: MetricsDep, gauges: GaugesDep, settings: SettingsDep
) -> Response:
    """Prometheus text format; needs a credential with LRS_METRICS_SCOPE unless LRS_METRICS_OPEN."""
    if not settings.metrics_open:
        principal = await get_principal(request)
        principal.require(settings.metrics_scope)
    await gauges.refresh()
    return Response(metrics.exposition(), media_type=CONTENT_TYPE)

"""Progress on outcomes: a learner's, and who in an org unit has not attained one yet."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from service.api.declared import operation
from service.api.deps import (
    EvidenceDep,
    OutcomeReportsDep,
    OutcomesDep,
    PrincipalDep,
    SettingsDep,
)
from service.api.outcome_params import PROGRESS, UNATTAINED
from service.api.outcome_support import (
    READ,
    active_map,
    json_response,
    map_fields,
    min_group,
    params_of,
)
from service.outcomes.progress import learner_report, unattained

router = APIRouter(prefix="/outcomes", tags=["outcomes"])


@router.get("/progress", openapi_extra=operation(PROGRESS))
async def get_progress(
    request: Request, evidence: EvidenceDep, outcomes: OutcomesDep, principal: PrincipalDep
) -> Response:
    """A learner's progress on each outcome: criteria met of those required, each criterion's
    count and the statements counted so far."""
    principal.require(READ)
    params = params_of(request)
    active = await active_map(outcomes, principal.tenant, params)
    report = await learner_report(evidence, principal.tenant, active, params)
    return json_response({**map_fields(active), **report})


@router.get("/not-attained", openapi_extra=operation(UNATTAINED))
async def get_not_attained(
    request: Request,
    store: OutcomeReportsDep,
    evidence: EvidenceDep,
    outcomes: OutcomesDep,
    settings: SettingsDep,
    principal: PrincipalDep,
) -> Response:
    """Who in an org unit (as the roster stands now) has not attained an outcome, each with
    their progress; the unit's counts are left out below the minimum group size."""
    principal.require(READ)
    params = params_of(request)
    active = await active_map(outcomes, principal.tenant, params)
    floor = min_group(settings, principal)
    report = await unattained(store, evidence, principal.tenant, active, params, floor)
    return json_response({**map_fields(active), **report})

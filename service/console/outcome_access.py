"""The outcome services a console page reads through; a store without outcomes answers 501."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request

from service.api.deps import runtime_of
from service.model.errors import BadRequestError, NotSupportedByStoreError
from service.outcomes.engine import ActiveMap, OutcomeEngine
from service.outcomes.privacy import group_floor
from service.store.ports import OrgDataStore, OutcomeEvaluationStore, OutcomeReportStore
from service.tenancy.sessions import ActiveSession
from service.xapi.statement_params import unique_params


@dataclass(frozen=True, slots=True)
class Outcomes:
    engine: OutcomeEngine
    reports: OutcomeReportStore
    evaluation: OutcomeEvaluationStore
    tenant: str
    org: OrgDataStore
    floor: int  # the tenant's minimum group size


def outcomes_of(request: Request, session: ActiveSession) -> Outcomes:
    """The tenant's outcome engine and report port; 403 without `outcomes/read`."""
    session.principal.require("outcomes/read", "outcomes/write")
    runtime = runtime_of(request)
    if runtime.outcomes is None or runtime.store.outcomes is None:
        name = {"mongodb": "MongoDB"}.get(runtime.store.kind, runtime.store.kind)
        raise NotSupportedByStoreError(
            f"Outcome mapping needs the SQLite store; this LRS runs on {name}, whose adapter "
            "does not store outcomes yet. Statements, ingest and operations work as usual."
        )
    stores = runtime.store.outcomes
    tenant = session.principal.tenant
    settings = runtime.settings
    floor = group_floor(settings.min_group_size, settings.min_group_size_tenants, tenant)
    return Outcomes(runtime.outcomes, stores.reports, stores.evaluation, tenant, stores.org, floor)


async def active_or_none(outcomes: Outcomes) -> ActiveMap | None:
    return await outcomes.engine.active(outcomes.tenant)


async def active_map(outcomes: Outcomes) -> ActiveMap:
    """The tenant's newest evaluated map; 400 before any is installed."""
    active = await active_or_none(outcomes)
    if active is None:
        raise BadRequestError("no outcome map has been evaluated yet: install one first")
    return active


def report_params(request: Request, allowed: tuple[str, ...]) -> dict[str, str]:
    """The query's report parameters: the allowed ones, given once, not blank."""
    params = unique_params(request.query_params.multi_items())
    return {k: v for k, v in params.items() if k in allowed and v.strip()}

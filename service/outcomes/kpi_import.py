"""KPI uploads that must make sense: units the roster knows, one granularity per KPI."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from service.model.outcomes import KpiObservation
from service.outcomes.aggregate import spans
from service.outcomes.kpi import parse_kpis
from service.outcomes.membership import units_in
from service.outcomes.periods import Granularity, Period, parse_period
from service.outcomes.problems import InvalidDocumentError
from service.outcomes.tables import Row
from service.store.ports import OrgDataStore

MAX_LISTED_UNITS = 50


@dataclass(frozen=True, slots=True)
class KpiUpload:
    """What an upload asks: replace every observation, or accept units not in the roster."""

    replace: bool = False
    allow_new_units: bool = False


async def import_kpis(
    org: OrgDataStore,
    tenant: str,
    body: bytes,
    content_type: str | None,
    upload: KpiUpload,
    known_kpis: Iterable[str] = (),
) -> dict[str, Any]:
    """Check and store the upload; InvalidDocumentError lists every row that does not fit."""
    located = parse_kpis(body, content_type)
    kept = [] if upload.replace else await org.get_kpi_observations(tenant)
    problems = _granularity_problems(located, kept)
    if not upload.allow_new_units:
        problems += await _unit_problems(org, tenant, located)
    if problems:
        problems.sort(key=lambda p: (p.get("line", 0), p.get("path", "")))
        raise InvalidDocumentError("the KPI observations", problems)
    observations = [observation for _, observation in located]
    count = await org.put_kpi_observations(tenant, observations, replace=upload.replace)
    unlinked = sorted({o.kpi for o in observations} - set(known_kpis))
    return {"imported": count, "kpis_not_in_current_map": unlinked}


def _granularity_problems(
    located: list[tuple[Row, KpiObservation]], kept: list[KpiObservation]
) -> list[dict[str, Any]]:
    """Rows whose period is of another granularity than the KPI's (set by the stored
    observations, else by the KPI's first row in the upload)."""
    fixed: dict[str, tuple[Granularity, str]] = {}
    for observation in kept:
        granularity = parse_period(observation.period).granularity
        fixed.setdefault(observation.kpi, (granularity, "the stored observations"))
    problems = []
    for row, observation in located:
        granularity = parse_period(observation.period).granularity
        wanted, source = fixed.setdefault(observation.kpi, (granularity, row.label))
        if granularity != wanted:
            message = (
                f"is a {granularity}; KPI {observation.kpi!r} is reported per {wanted} "
                f"(as {source} say{'s' if source.startswith(('line', '$')) else ''})"
            )
            problems.append({**row.where("period"), "message": message})
    return problems


async def _unit_problems(
    org: OrgDataStore, tenant: str, located: list[tuple[Row, KpiObservation]]
) -> list[dict[str, Any]]:
    """Rows naming an org unit nobody was in during the row's period."""
    periods = {parse_period(o.period) for _, o in located}
    ordered: list[Period] = sorted(periods, key=lambda p: (p.start, p.label))
    units = units_in(await org.unit_ranges(tenant), spans(ordered))
    everyone = sorted(set().union(*units.values())) if units else []
    listed = ", ".join(everyone[:MAX_LISTED_UNITS]) + (
        ", ..." if len(everyone) > MAX_LISTED_UNITS else ""
    )
    problems = []
    for row, observation in located:
        if observation.org_unit in units.get(observation.period, set()):
            continue
        message = (
            f"org unit {observation.org_unit!r} is not in the roster during {observation.period}"
            f" (known units: {listed or 'none: upload the roster first'}); "
            "to add it anyway, upload with allow_new_units=true (CLI: --allow-new-units)"
        )
        problems.append({**row.where("org_unit"), "message": message})
    return problems

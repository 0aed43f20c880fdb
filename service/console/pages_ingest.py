"""The ingest overview: statements per day per platform, and each platform's last statement
(an LMS that went silent is visible)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request, Response

from service.api.deps import runtime_of
from service.console.charts import line_chart
from service.console.downloads import csv_download
from service.console.statement_view import platforms
from service.console.web import BASE, ConsoleRoute, SessionDep, render
from service.model.clock import now_ms
from service.tenancy import access
from service.tenancy.sessions import ActiveSession
from service.xapi.timestamps import format_ms

router = APIRouter(prefix=BASE, route_class=ConsoleRoute, include_in_schema=False)
DAY_MS = 86_400_000
OVERVIEW_DAYS = 14
SILENT_MS = DAY_MS  # a platform quiet for longer is flagged


@dataclass(frozen=True, slots=True)
class PlatformDays:
    """One platform's statements per day of the overview, and their total."""

    platform: str
    counts: list[int]
    total: int


@dataclass(frozen=True, slots=True)
class Overview:
    days: list[str]  # YYYY-MM-DD, oldest first
    table: list[PlatformDays]
    latest: list[dict[str, Any]]


async def _overview(request: Request, session: ActiveSession) -> Overview:
    """The last two weeks by UTC day; `statements/read/mine` sees its own platform only."""
    session.principal.require(*access.READ_SCOPES)
    runtime = runtime_of(request)
    tenant = session.principal.tenant
    now = now_ms()
    since = now - now % DAY_MS - (OVERVIEW_DAYS - 1) * DAY_MS
    days = await runtime.store.ingest.ingest_days(tenant, since)
    last = await runtime.store.ingest.last_ingest(tenant)
    own = access.own_authority(session.principal)
    if own is not None:
        days = [d for d in days if d.authority == own]
        last = [row for row in last if row.authority == own]
    credentials = await runtime.store.accounts.list_credentials(tenant)
    names = platforms(credentials, runtime.settings.authority_home_page)
    counts: dict[str, dict[int, int]] = defaultdict(dict)
    for day in days:
        counts[day.authority][day.day_ms] = day.count
    columns = [since + n * DAY_MS for n in range(OVERVIEW_DAYS)]
    table = [
        PlatformDays(
            names.get(authority, authority),
            [per_day.get(day, 0) for day in columns],
            sum(per_day.values()),
        )
        for authority, per_day in sorted(counts.items(), key=lambda item: names.get(item[0], ""))
    ]
    latest = [
        {
            "platform": names.get(row.authority, row.authority),
            "stored": format_ms(row.stored_ms),
            "silent": now - row.stored_ms > SILENT_MS,
            "hours": (now - row.stored_ms) // 3_600_000,
        }
        for row in sorted(last, key=lambda row: row.stored_ms)
    ]
    return Overview([format_ms(day)[:10] for day in columns], table, latest)


@router.get("/ingest")
async def get_ingest(request: Request, session: SessionDep) -> Response:
    overview = await _overview(request, session)
    series: dict[str, list[float | None]] = {
        row.platform: [float(n) for n in row.counts] for row in overview.table
    }
    labels = [day[5:] for day in overview.days]
    context = {
        "chart": line_chart(labels, series, percent=False) if overview.table else None,
        "days": overview.days,
        "table": overview.table,
        "latest": overview.latest,
    }
    return render(request, "ingest.html", context, session=session)


@router.get("/ingest.csv")
async def get_ingest_csv(request: Request, session: SessionDep) -> Response:
    overview = await _overview(request, session)
    rows = [
        {"platform": row.platform, "day": day, "statements": count}
        for row in overview.table
        for day, count in zip(overview.days, row.counts, strict=True)
    ]
    return csv_download(rows, "statements-per-day.csv")

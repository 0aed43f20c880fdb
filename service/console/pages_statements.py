"""The statement browser and the ingest overview (statements per day per platform)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import orjson
from fastapi import APIRouter, Request, Response

from service.api.deps import get_statements, runtime_of
from service.console.charts import line_chart
from service.console.statement_view import FILTERS, agent_param, platforms, pretty, summary
from service.console.web import BASE, ConsoleRoute, SessionDep, render
from service.model.clock import now_ms
from service.model.errors import NotFoundError
from service.statements.read import StatementRead
from service.tenancy import access
from service.tenancy.sessions import ActiveSession
from service.xapi.statement_params import unique_params
from service.xapi.timestamps import format_ms

router = APIRouter(prefix=BASE, route_class=ConsoleRoute, include_in_schema=False)
PAGE = 25
DAY_MS = 86_400_000
OVERVIEW_DAYS = 14
SILENT_MS = DAY_MS  # a platform quiet for longer is flagged


async def _names(request: Request, session: ActiveSession) -> dict[str, str]:
    runtime = runtime_of(request)
    credentials = await runtime.store.accounts.list_credentials(session.principal.tenant)
    return platforms(credentials, runtime.settings.authority_home_page)


@dataclass(frozen=True, slots=True)
class PlatformDays:
    """One platform's statements per day of the overview, and their total."""

    platform: str
    counts: list[int]
    total: int


@router.get("/statements")
async def get_statements_page(request: Request, session: SessionDep) -> Response:
    """Newest first, with the xAPI filters; a page's `more` token leads to the next."""
    given = unique_params(request.query_params.multi_items())
    filters = {k: v.strip() for k, v in given.items() if k in FILTERS and v.strip()}
    params: list[tuple[str, str]]
    if given.get("more"):
        params = [("more", given["more"])]
    else:
        params = [(k, agent_param(v) if k == "agent" else v) for k, v in filters.items()]
        params += [("limit", str(PAGE)), ("format", "exact")]
    service = await get_statements(request)
    answer = await service.read(session.principal, StatementRead(params, "2.0.0", None))
    result = orjson.loads(answer.body)
    names = await _names(request, session)
    rows = [summary(s, session.principal.tenant, names) for s in result["statements"]]
    more = result.get("more") or ""
    token = more.partition("more=")[2] if more else ""
    context = {"rows": rows, "filters": filters, "more": token}
    return render(request, "statements.html", context, session=session)


@router.get("/statements/{statement_id}")
async def get_statement_page(statement_id: str, request: Request, session: SessionDep) -> Response:
    """One statement as pretty JSON, and the platform that sent it."""
    service = await get_statements(request)
    found: dict[str, Any] | None = None
    for voided in ("statementId", "voidedStatementId"):
        try:
            answer = await service.read(
                session.principal, StatementRead([(voided, statement_id)], "2.0.0", None)
            )
        except NotFoundError:
            continue
        found = orjson.loads(answer.body)
        break
    if found is None:
        raise NotFoundError(f"no statement with id {statement_id}")
    names = await _names(request, session)
    context = {"row": summary(found, session.principal.tenant, names), "json": pretty(found)}
    return render(request, "statement.html", context, session=session)


@router.get("/ingest")
async def get_ingest(request: Request, session: SessionDep) -> Response:
    """Statements per day per platform over two weeks, and each platform's last statement."""
    session.principal.require(*access.READ_SCOPES)
    runtime = runtime_of(request)
    now = now_ms()
    today = now - now % DAY_MS
    since = today - (OVERVIEW_DAYS - 1) * DAY_MS
    days = await runtime.store.ingest.ingest_days(session.principal.tenant, since)
    last = await runtime.store.ingest.last_ingest(session.principal.tenant)
    own = access.own_authority(session.principal)
    if own is not None:  # statements/read/mine sees its own platform only
        days = [d for d in days if d.authority == own]
        last = [row for row in last if row.authority == own]
    names = await _names(request, session)
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
    labels = [format_ms(day)[5:10] for day in columns]
    series: dict[str, list[float | None]] = {
        row.platform: [float(n) for n in row.counts] for row in table
    }
    context = {
        "chart": line_chart(labels, series, percent=False) if table else None,
        "days": [format_ms(day)[:10] for day in columns],
        "table": table,
        "latest": latest,
    }
    return render(request, "ingest.html", context, session=session)

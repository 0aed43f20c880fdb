"""The statement browser: the xAPI filters, newest first, each statement as sent."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import APIRouter, Request, Response

from service.api.deps import get_statements, runtime_of
from service.console.statement_view import FILTERS, agent_param, platforms, pretty, summary
from service.console.web import BASE, ConsoleRoute, SessionDep, render
from service.model.errors import NotFoundError
from service.statements.read import StatementRead
from service.tenancy.sessions import ActiveSession
from service.xapi.statement_params import unique_params

router = APIRouter(prefix=BASE, route_class=ConsoleRoute, include_in_schema=False)
PAGE = 25


async def _names(request: Request, session: ActiveSession) -> dict[str, str]:
    runtime = runtime_of(request)
    credentials = await runtime.store.accounts.list_credentials(session.principal.tenant)
    return platforms(credentials, runtime.settings.authority_home_page)


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

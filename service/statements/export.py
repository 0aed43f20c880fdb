"""Statements for the export routes: the filters of GET statements, page after page (SR-41)."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator

from service.model.statements import StatementPage, StatementQuery
from service.store.ports import StatementStore
from service.tenancy import access
from service.tenancy.auth import Principal
from service.xapi.statement_params import SingleStatementRequest, parse_statement_get

EXPORT_SCOPE = "export"
PAGE = 1000  # statements per store query
UNLIMITED = 10**15  # `limit` 0 or absent: every matching statement


Exported = tuple[bytes, str | None]  # a stored body, and its `timestamp` as sent if rewritten


async def export(
    store: StatementStore, principal: Principal, params: dict[str, str]
) -> AsyncIterator[list[Exported]]:
    """The stored bodies matching `params`, in pages; newest first unless ascending=true.

    The first page is read before this returns, so a bad query fails before an answer starts.
    `export` with `statements/read/mine` (and no full read scope) sees only its own (AU-5).
    """
    principal.require(EXPORT_SCOPE)
    parsed = parse_statement_get(params, version="2.0.0", max_limit=UNLIMITED)
    tenant = principal.tenant
    own = access.export_authority(principal)
    if isinstance(parsed, SingleStatementRequest):
        found = await store.get_statement(tenant, parsed.statement_id, voided=parsed.voided)
        if found is not None and own is not None and not access.is_own(found.body, own):
            found = None
        bodies = [] if found is None else [found.body]
        uploaded = [] if found is None else [found.uploaded]
        originals = [] if found is None else [found.original_timestamp]
        first = StatementPage(
            bodies=bodies, uploaded=uploaded, last_seq=None, has_more=False, originals=originals
        )
        return _pages(store, tenant, first, None)
    query = parsed.query if own is None else dataclasses.replace(parsed.query, authority=own)
    first = await store.query_statements(
        tenant, dataclasses.replace(query, limit=min(PAGE, query.limit))
    )
    return _pages(store, tenant, first, query)


async def _pages(
    store: StatementStore, tenant: str, first: StatementPage, query: StatementQuery | None
) -> AsyncIterator[list[Exported]]:
    page, sent = first, 0
    while True:
        sent += len(page.bodies)
        originals = page.originals or [None] * len(page.bodies)
        yield list(zip(page.bodies, originals, strict=True))
        if query is None or not page.has_more or sent >= query.limit:
            return
        step = dataclasses.replace(
            query, after_seq=page.last_seq, limit=min(PAGE, query.limit - sent)
        )
        page = await store.query_statements(tenant, step)

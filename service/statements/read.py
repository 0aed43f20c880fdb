"""Reading statements: one by id (SR-30, SR-31) or a StatementResult page (SR-40..SR-47)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import orjson

from service.model.errors import NotFoundError
from service.model.statements import StoredAttachment, Uploaded
from service.settings import Settings
from service.store.ports import StatementStore
from service.tenancy import access
from service.tenancy.auth import Principal
from service.xapi.languages import parse_accept_language
from service.xapi.statement_formats import activity_ids, canonical_format, ids_format
from service.xapi.statement_params import (
    Format,
    SingleStatementRequest,
    StatementQueryRequest,
    encode_more,
    parse_statement_get,
    unique_params,
)
from service.xapi.statement_requests import attachment_hashes, statement_result

READ_SCOPES = access.READ_SCOPES  # statements/read/mine reads only its own (AU-5)


@dataclass(frozen=True, slots=True)
class StatementRead:
    """A GET or HEAD statements request, as the read service needs it."""

    params: list[tuple[str, str]]  # the query string's items
    version: str  # negotiated xAPI version (T-1)
    accept_language: str | None  # for the `canonical` format


@dataclass(frozen=True, slots=True)
class StatementAnswer:
    """What a statement read answers, for the router to render."""

    body: bytes  # a statement or a StatementResult, JSON
    attachments: list[StoredAttachment] | None  # None: JSON; else multipart/mixed (SR-60)
    last_modified_ms: int | None  # the newest `stored` in it (Last-Modified)
    consistent_through_ms: int | None = None  # for a page (X-Experience-API-Consistent-Through)


async def read(
    store: StatementStore, settings: Settings, principal: Principal, request: StatementRead
) -> StatementAnswer:
    """The statement or page the request asks for, as far as the principal may read it."""
    principal.require(*READ_SCOPES)
    parsed = parse_statement_get(
        unique_params(request.params), version=request.version, max_limit=settings.max_page_size
    )
    languages = parse_accept_language(request.accept_language)
    if isinstance(parsed, SingleStatementRequest):
        return await _one(store, principal, parsed, languages)
    return await _page(store, settings.api_prefix, principal, parsed, languages)


async def _one(
    store: StatementStore, principal: Principal, req: SingleStatementRequest, languages: list[str]
) -> StatementAnswer:
    found = await store.get_statement(principal.tenant, req.statement_id, voided=req.voided)
    own = access.own_authority(principal)
    if found is not None and own is not None and not access.is_own(found.body, own):
        found = None  # statements/read/mine: others' statements do not exist for this reader
    if found is None:
        kind = "voided statement" if req.voided else "statement"
        raise NotFoundError(f"no {kind} with id {req.statement_id}")
    stored = [found.body]
    bodies, statements = await _render(store, principal, stored, req.format, languages)
    attachments = await _attachments(
        store, principal, req.attachments, stored, statements, [found.uploaded]
    )
    return StatementAnswer(bodies[0], attachments, last_modified_ms=found.stored_ms)


async def _page(
    store: StatementStore,
    api_prefix: str,
    principal: Principal,
    req: StatementQueryRequest,
    languages: list[str],
) -> StatementAnswer:
    own = access.own_authority(principal)
    query = req.query if own is None else replace(req.query, authority=own)
    # Read before the query: everything stored by then is in this result and its `more` pages
    # (an ascending token stops at the newest seq the query saw), as the header promises.
    consistent_through_ms = store.consistent_through_ms()
    page = await store.query_statements(principal.tenant, query)
    more = ""
    if page.has_more and page.last_seq is not None:
        token = encode_more(req, page.last_seq, page.through_seq)
        more = f"{api_prefix}/statements?more={token}"
    bodies, statements = await _render(store, principal, page.bodies, req.format, languages)
    attachments = await _attachments(
        store, principal, req.attachments, page.bodies, statements, page.uploaded
    )
    return StatementAnswer(
        statement_result(bodies, more),
        attachments,
        last_modified_ms=page.newest_stored_ms,
        consistent_through_ms=consistent_through_ms,
    )


async def _render(
    store: StatementStore,
    principal: Principal,
    bodies: list[bytes],
    fmt: Format,
    languages: list[str],
) -> tuple[list[bytes], list[dict[str, Any]] | None]:
    """Stored bytes pass through for `exact`; other formats are built from parsed copies."""
    if fmt == "exact":
        return bodies, None
    statements = [orjson.loads(body) for body in bodies]
    if fmt == "ids":
        rendered = [ids_format(s) for s in statements]
    else:
        wanted = sorted({a for s in statements for a in activity_ids(s)})
        definitions = await store.get_activity_definitions(principal.tenant, wanted)
        rendered = [canonical_format(s, definitions, languages) for s in statements]
    return [orjson.dumps(s) for s in rendered], statements


async def _attachments(
    store: StatementStore,
    principal: Principal,
    wanted: bool,
    stored: list[bytes],
    parsed: list[dict[str, Any]] | None,
    uploaded: list[Uploaded],
) -> list[StoredAttachment] | None:
    """With attachments=true, the data sent with each of these statements (SR-60, AT-20)."""
    if not wanted:
        return None
    statements = parsed if parsed is not None else [orjson.loads(body) for body in stored]
    return await store.get_attachments(principal.tenant, attachment_hashes(statements, uploaded))

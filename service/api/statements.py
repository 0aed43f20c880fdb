"""The Statement resource (SR-1..SR-61): thin handlers over the protocol modules and the store."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from typing import Any

import orjson
from fastapi import APIRouter, Request, Response
from fastapi.responses import StreamingResponse

from service.api.admission import settle_work
from service.api.bodies import check_declared_length, read_limited
from service.api.declared import operation, statement_body
from service.api.deps import (
    PrincipalDep,
    SettingsDep,
    StatementListenerDep,
    StatementsDep,
    VersionDep,
)
from service.api.protocol import CONSISTENT_THROUGH
from service.model.errors import BadRequestError, NotFoundError
from service.model.statements import Uploaded
from service.ops.context import request_facts
from service.settings import Settings
from service.store.ports import StatementStore
from service.tenancy import access
from service.tenancy.access import apply_define_scope, check_batch_size
from service.tenancy.auth import Principal
from service.xapi.datatypes import is_uuid
from service.xapi.languages import parse_accept_language
from service.xapi.multipart import multipart_mixed_chunks
from service.xapi.statement_formats import activity_ids, canonical_format, ids_format
from service.xapi.statement_params import (
    STATEMENT_GET,
    STATEMENT_PUT,
    Format,
    SingleStatementRequest,
    StatementQueryRequest,
    encode_more,
    names,
    parse_statement_get,
    unique_params,
)
from service.xapi.statement_requests import (
    StatementBatch,
    attachment_hashes,
    parse_statement_body,
    statement_result,
)
from service.xapi.timestamps import format_ms, http_date

router = APIRouter(tags=["statements"], default_response_class=Response)
JSON = "application/json"
WRITE_SCOPES = ("statements/write",)
READ_SCOPES = access.READ_SCOPES  # statements/read/mine reads only its own (AU-5)
STREAM_ABOVE = 1024 * 1024  # multipart responses larger than this are sent in pieces (issue 9)


async def _read_batch(
    request: Request,
    settings: Settings,
    principal: Principal,
    version: str,
    put_id: str | None = None,
) -> StatementBatch:
    limit = principal.limits.max_body_bytes  # the tenant's or credential's (issue 5)
    check_declared_length(request.headers.get("content-length"), limit)
    body = await read_limited(request.receive, limit)
    settle_work(request.scope, body)
    batch = parse_statement_body(
        body,
        request.headers.get("content-type"),
        version=version,
        authority=principal.authority,
        put_id=put_id,
        max_depth=settings.max_json_depth,
        max_values=settings.max_json_values,
    )
    check_batch_size(principal, len(batch.statements))
    apply_define_scope(principal, batch.statements)
    return batch


@router.put(
    "/statements",
    status_code=204,
    responses={204: {"description": "Stored"}},
    openapi_extra=operation(STATEMENT_PUT, statement_body(batch=False)),
)
async def put_statement(
    request: Request,
    store: StatementsDep,
    outcomes: StatementListenerDep,
    settings: SettingsDep,
    principal: PrincipalDep,
    version: VersionDep,
) -> Response:
    """Store one statement under the id in `statementId` (SR-1, SR-4)."""
    principal.require(*WRITE_SCOPES)
    params = unique_params(request.query_params.multi_items())
    if set(params) != names(STATEMENT_PUT):
        raise BadRequestError("PUT statements takes exactly one parameter, statementId")
    (statement_id,) = params.values()
    if not is_uuid(statement_id):
        raise BadRequestError("statementId must be a UUID")
    batch = await _read_batch(request, settings, principal, version, put_id=statement_id.lower())
    await store.store_statements(principal.tenant, batch.statements, batch.attachments)
    request_facts(request.scope).statements = len(batch.statements)
    outcomes.notify(principal.tenant, batch.statements)
    return Response(status_code=204)


@router.post(
    "/statements",
    responses={200: {"description": "The ids, in order"}},
    openapi_extra=operation(body=statement_body(batch=True)),
)
async def post_statements(
    request: Request,
    store: StatementsDep,
    outcomes: StatementListenerDep,
    settings: SettingsDep,
    principal: PrincipalDep,
    version: VersionDep,
) -> Response:
    """Store one statement or a batch, all or nothing; answer their ids in order (SR-2, V-46)."""
    principal.require(*WRITE_SCOPES)
    if request.query_params:
        raise BadRequestError("POST statements takes no parameters")
    batch = await _read_batch(request, settings, principal, version)
    ids = await store.store_statements(principal.tenant, batch.statements, batch.attachments)
    request_facts(request.scope).statements = len(ids)
    outcomes.notify(principal.tenant, batch.statements)
    return Response(orjson.dumps(ids), media_type=JSON)


_READ_RESULT: dict[int | str, dict[str, Any]] = {
    200: {"description": "A statement, or a StatementResult"}
}
_READ_PARAMS = operation(STATEMENT_GET)


@router.get("/statements", responses=_READ_RESULT, openapi_extra=_READ_PARAMS)
@router.head("/statements", responses=_READ_RESULT, openapi_extra=_READ_PARAMS)
async def get_statements(
    request: Request,
    store: StatementsDep,
    settings: SettingsDep,
    principal: PrincipalDep,
    version: VersionDep,
) -> Response:
    """One statement by id (SR-30, SR-31) or a StatementResult page (SR-40..SR-47)."""
    principal.require(*READ_SCOPES)
    parsed = parse_statement_get(
        unique_params(request.query_params.multi_items()),
        version=version,
        max_limit=settings.max_page_size,
    )
    languages = parse_accept_language(request.headers.get("accept-language"))
    if isinstance(parsed, SingleStatementRequest):
        return await _get_one(store, principal, parsed, languages)
    return await _get_page(store, settings.api_prefix, principal, parsed, languages)


async def _get_one(
    store: StatementStore, principal: Principal, req: SingleStatementRequest, languages: list[str]
) -> Response:
    found = await store.get_statement(principal.tenant, req.statement_id, voided=req.voided)
    own = access.own_authority(principal)
    if found is not None and own is not None and not access.is_own(found.body, own):
        found = None  # statements/read/mine: others' statements do not exist for this reader
    if found is None:
        kind = "voided statement" if req.voided else "statement"
        raise NotFoundError(f"no {kind} with id {req.statement_id}")
    bodies, statements = await _render(store, principal, [found.body], req.format, languages)
    headers = {"Last-Modified": http_date(found.stored_ms)}
    parts = _Parts(req.attachments, statements, [found.uploaded])
    return await _respond(store, principal, bodies[0], parts, headers)


async def _get_page(
    store: StatementStore,
    api_prefix: str,
    principal: Principal,
    req: StatementQueryRequest,
    languages: list[str],
) -> Response:
    own = access.own_authority(principal)
    query = req.query if own is None else replace(req.query, authority=own)
    # Read before the query: everything stored by then is in this result and its `more` pages
    # (an ascending token stops at the newest seq the query saw), as the header promises.
    consistent_through = format_ms(store.consistent_through_ms())
    page = await store.query_statements(principal.tenant, query)
    more = ""
    if page.has_more and page.last_seq is not None:
        token = encode_more(req, page.last_seq, page.through_seq)
        more = f"{api_prefix}/statements?more={token}"
    bodies, statements = await _render(store, principal, page.bodies, req.format, languages)
    headers = {CONSISTENT_THROUGH: consistent_through}
    if page.newest_stored_ms is not None:
        headers["Last-Modified"] = http_date(page.newest_stored_ms)
    body = statement_result(bodies, more)
    parts = _Parts(req.attachments, statements, page.uploaded)
    return await _respond(store, principal, body, parts, headers)


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


@dataclass(frozen=True, slots=True)
class _Parts:
    """What decides the attachment parts of a response: asked for, and for which statements."""

    wanted: bool  # attachments=true
    statements: list[dict[str, Any]] | None  # parsed stored statements; None: parse the body
    uploaded: list[Uploaded]  # per statement, as the store recorded it


async def _respond(
    store: StatementStore, principal: Principal, body: bytes, parts: _Parts, headers: dict[str, str]
) -> Response:
    """JSON, or multipart/mixed with the raw attachment data when asked for (SR-60, AT-20)."""
    if not parts.wanted:
        return Response(body, media_type=JSON, headers=headers)
    statements = parts.statements
    if statements is None:
        parsed = orjson.loads(body)
        statements = parsed.get("statements", [parsed])
    sha2s = attachment_hashes(statements, parts.uploaded)
    found = await store.get_attachments(principal.tenant, sha2s)
    chunks, content_type = multipart_mixed_chunks(body, found)
    headers = {**headers, "Content-Type": content_type}
    if sum(len(chunk) for chunk in chunks) > STREAM_ABOVE:  # not a second copy of large data
        return StreamingResponse(_pieces(chunks), headers=headers)
    return Response(b"".join(chunks), headers=headers)


async def _pieces(chunks: list[bytes]) -> AsyncIterator[bytes]:
    for chunk in chunks:
        yield chunk

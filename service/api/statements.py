"""The Statement resource (SR-1..SR-61): each handler makes one call to the statement service
and renders its answer."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import orjson
from fastapi import APIRouter, Request, Response
from fastapi.responses import StreamingResponse

from service.api.admission import settle_work
from service.api.bodies import check_declared_length, read_limited
from service.api.declared import operation, statement_body
from service.api.deps import PrincipalDep, StatementsDep, VersionDep
from service.api.protocol import CONSISTENT_THROUGH
from service.ops.context import request_facts
from service.statements.ingest import BodyReader, StatementUpload
from service.statements.read import StatementAnswer, StatementRead
from service.xapi.multipart import multipart_mixed_chunks
from service.xapi.statement_params import STATEMENT_GET, STATEMENT_PUT
from service.xapi.timestamps import format_ms, http_date

router = APIRouter(tags=["statements"], default_response_class=Response)
JSON = "application/json"
STREAM_ABOVE = 1024 * 1024  # multipart responses larger than this are sent in pieces (issue 9)


def _body_of(request: Request) -> BodyReader:
    async def read(limit: int) -> bytes:
        check_declared_length(request.headers.get("content-length"), limit)
        body = await read_limited(request.receive, limit)
        settle_work(request.scope, body)
        return body

    return read


def _upload(request: Request, version: str, *, replace: bool) -> StatementUpload:
    return StatementUpload(
        replace=replace,
        params=request.query_params.multi_items(),
        content_type=request.headers.get("content-type"),
        version=version,
        read_body=_body_of(request),
    )


@router.put(
    "/statements",
    status_code=204,
    responses={204: {"description": "Stored"}},
    openapi_extra=operation(STATEMENT_PUT, statement_body(batch=False)),
)
async def put_statement(
    request: Request, statements: StatementsDep, principal: PrincipalDep, version: VersionDep
) -> Response:
    """Store one statement under the id in `statementId` (SR-1, SR-4)."""
    ids = await statements.ingest(principal, _upload(request, version, replace=True))
    request_facts(request.scope).statements = len(ids)
    return Response(status_code=204)


@router.post(
    "/statements",
    responses={200: {"description": "The ids, in order"}},
    openapi_extra=operation(body=statement_body(batch=True)),
)
async def post_statements(
    request: Request, statements: StatementsDep, principal: PrincipalDep, version: VersionDep
) -> Response:
    """Store one statement or a batch, all or nothing; answer their ids in order (SR-2, V-46)."""
    ids = await statements.ingest(principal, _upload(request, version, replace=False))
    request_facts(request.scope).statements = len(ids)
    return Response(orjson.dumps(ids), media_type=JSON)


_READ_RESULT: dict[int | str, dict[str, Any]] = {
    200: {"description": "A statement, or a StatementResult"}
}
_READ_PARAMS = operation(STATEMENT_GET)


@router.get("/statements", responses=_READ_RESULT, openapi_extra=_READ_PARAMS)
@router.head("/statements", responses=_READ_RESULT, openapi_extra=_READ_PARAMS)
async def get_statements(
    request: Request, statements: StatementsDep, principal: PrincipalDep, version: VersionDep
) -> Response:
    """One statement by id (SR-30, SR-31) or a StatementResult page (SR-40..SR-47)."""
    asked = StatementRead(
        params=request.query_params.multi_items(),
        version=version,
        accept_language=request.headers.get("accept-language"),
    )
    return _respond(await statements.read(principal, asked))


def _respond(answer: StatementAnswer) -> Response:
    """JSON, or multipart/mixed with the raw attachment data when asked for (SR-60, AT-20)."""
    headers = {}
    if answer.consistent_through_ms is not None:
        headers[CONSISTENT_THROUGH] = format_ms(answer.consistent_through_ms)
    if answer.last_modified_ms is not None:
        headers["Last-Modified"] = http_date(answer.last_modified_ms)
    if answer.attachments is None:
        return Response(answer.body, media_type=JSON, headers=headers)
    chunks, content_type = multipart_mixed_chunks(answer.body, answer.attachments)
    headers["Content-Type"] = content_type
    if sum(len(chunk) for chunk in chunks) > STREAM_ABOVE:  # not a second copy of large data
        return StreamingResponse(_pieces(chunks), headers=headers)
    return Response(b"".join(chunks), headers=headers)


async def _pieces(chunks: list[bytes]) -> AsyncIterator[bytes]:
    for chunk in chunks:
        yield chunk

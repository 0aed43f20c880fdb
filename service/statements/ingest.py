"""Storing statements from a PUT or POST request (SR-1, SR-2, SR-4, V-46, AU-5)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from service.model.errors import BadRequestError
from service.outcomes.listener import StoredStatementsListener
from service.settings import Settings
from service.store.ports import StatementStore
from service.tenancy.access import apply_define_scope, check_batch_size
from service.tenancy.auth import Principal
from service.xapi.datatypes import is_uuid
from service.xapi.statement_params import STATEMENT_PUT, names, unique_params
from service.xapi.statement_requests import parse_statement_body

WRITE_SCOPES = ("statements/write",)

BodyReader = Callable[[int], Awaitable[bytes]]
"""Reads the request body, refusing more than the given number of bytes (413)."""


@dataclass(frozen=True, slots=True)
class StatementUpload:
    """A PUT or POST statements request, as the ingest service needs it."""

    replace: bool  # PUT with `statementId` (SR-1); else POST (SR-2)
    params: list[tuple[str, str]]  # the query string's items
    content_type: str | None
    version: str  # negotiated xAPI version (T-1)
    read_body: BodyReader  # called once the request is known to be allowed


async def ingest(
    store: StatementStore,
    outcomes: StoredStatementsListener,
    settings: Settings,
    principal: Principal,
    upload: StatementUpload,
) -> list[str]:
    """Validate the whole request, store it all-or-nothing and hand it to the outcome engine;
    return the statement ids in request order."""
    principal.require(*WRITE_SCOPES)
    put_id = _put_id(upload.params) if upload.replace else None
    if not upload.replace and upload.params:
        raise BadRequestError("POST statements takes no parameters")
    body = await upload.read_body(principal.limits.max_body_bytes)  # tenant's or credential's
    write = parse_statement_body(
        body,
        upload.content_type,
        tenant=principal.tenant,
        version=upload.version,
        authority=principal.authority,
        put_id=put_id,
        max_depth=settings.max_json_depth,
        max_values=settings.max_json_values,
    )
    check_batch_size(principal, len(write.statements))
    apply_define_scope(principal, write.statements)
    ids = await store.store_statements(write)
    outcomes.notify(principal.tenant, write.statements)
    return ids


def _put_id(params: list[tuple[str, str]]) -> str:
    unique = unique_params(params)
    if set(unique) != names(STATEMENT_PUT):
        raise BadRequestError("PUT statements takes exactly one parameter, statementId")
    (statement_id,) = unique.values()
    if not is_uuid(statement_id):
        raise BadRequestError("statementId must be a UUID")
    return statement_id.lower()

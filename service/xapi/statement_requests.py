"""Statement request bodies in, statement results out (T-5, V-1, AT-1..AT-3, SR-40, AT-20)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import orjson

from service.model.errors import BadRequestError
from service.model.statements import StatementWrite, Uploaded
from service.xapi.attachment_parts import part_sha2s
from service.xapi.attachments import (
    match_attachment_parts,
    split_statement_request,
)
from service.xapi.json_depth import check_json_depth
from service.xapi.json_keys import check_duplicate_keys
from service.xapi.json_size import check_json_values
from service.xapi.multipart import media_type
from service.xapi.preparation import prepare_statement
from service.xapi.signatures import verify_signatures
from service.xapi.validation import validate_statements

STATEMENT_TYPES = ("application/json", "multipart/mixed")


def parse_statement_body(
    body: bytes,
    content_type: str | None,
    *,
    tenant: str,
    version: str,
    authority: dict[str, Any],
    put_id: str | None = None,
    max_depth: int = 64,
    max_values: int = 2_000_000,
) -> StatementWrite:
    """Validate a PUT/POST statements body completely before anything is stored (V-46), and
    prepare it as the tenant's write.

    With `put_id` (PUT, SR-1) the body must be one statement whose id, if any, is that id.
    """
    content_type = content_type or "application/json"
    if media_type(content_type) not in STATEMENT_TYPES:
        raise BadRequestError(
            f"statements must be sent as application/json or multipart/mixed, not {content_type!r}"
        )
    json_part, parts = split_statement_request(body, content_type)
    check_json_depth(json_part, max_depth, "the statement body")
    check_json_values(json_part, max_values, "the statement body")
    data = parse_json(json_part)
    check_duplicate_keys(json_part, data, "the statement body")
    if put_id is not None:
        _apply_put_id(data, put_id)
    statements = validate_statements(data, version)
    attachments = match_attachment_parts(statements, parts)
    verify_signatures(statements, attachments)
    prepared = [prepare_statement(s, version=version, authority=authority) for s in statements]
    return StatementWrite(tenant, prepared, list(attachments.values()))


def _apply_put_id(data: Any, put_id: str) -> None:
    if not isinstance(data, dict):
        raise BadRequestError("PUT statements takes a single statement object")
    body_id = data.get("id")
    if body_id is None:
        data["id"] = put_id
    elif not isinstance(body_id, str) or body_id.lower() != put_id:
        raise BadRequestError("the statement id differs from the statementId parameter")


def parse_json(raw: bytes) -> Any:
    """Strict UTF-8 JSON (V-1): NaN/Infinity and invalid text are rejected by orjson."""
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise BadRequestError(f"the body is not valid JSON: {exc.msg}") from None


def statement_result(bodies: Iterable[bytes], more: str) -> bytes:
    """A StatementResult built from stored statement bytes without re-parsing them (SR-40)."""
    return b'{"statements":[' + b",".join(bodies) + b'],"more":' + orjson.dumps(more) + b"}"


def attachment_hashes(
    statements: Iterable[dict[str, Any]], uploaded: Iterable[Uploaded]
) -> list[str]:
    """Distinct sha2 values of the attachments whose data goes with these statements (AT-20).

    `uploaded` is what the store recorded for each statement, in the same order: only data
    sent with a statement goes with it (see `attachment_parts`).
    """
    seen: dict[str, None] = {}
    for statement, sent in zip(statements, uploaded, strict=True):
        for sha2 in part_sha2s(statement, sent):
            seen.setdefault(sha2, None)
    return list(seen)

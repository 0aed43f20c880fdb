"""Split statement requests and match multipart parts to attachment objects (T-5, AT-1..AT-3)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any

from service.model.errors import BadRequestError
from service.model.statements import StoredAttachment
from service.xapi.multipart import Part, boundary_of, media_type, parse_multipart_mixed

JSON = "application/json"
HASH_HEADER = "x-experience-api-hash"
_HASHES = {56: hashlib.sha224, 64: hashlib.sha256, 96: hashlib.sha384, 128: hashlib.sha512}
_HEX = frozenset("0123456789abcdef")


def split_statement_request(body: bytes, content_type: str) -> tuple[bytes, list[Part]]:
    """Return the statement JSON bytes and the attachment parts of a request (T-5, T-6, AT-2)."""
    kind = media_type(content_type)
    if kind == JSON:
        return body, []
    if kind != "multipart/mixed":
        raise BadRequestError(f"unsupported statement Content-Type '{kind}'")
    first, *rest = parse_multipart_mixed(body, boundary_of(content_type))
    if _part_type(first) != JSON:
        raise BadRequestError("the first multipart part must be application/json")
    for part in rest:
        if HASH_HEADER not in part.headers and _part_type(part) == JSON:
            raise BadRequestError("all statements must be in the first multipart part")
    return first.body, rest


def _part_type(part: Part) -> str:
    """Return the media type of a part, empty when it has no Content-Type (AT-2)."""
    return media_type(part.headers.get("content-type", ""))


def iter_attachments(statements: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """Yield every attachment object of a batch, including those inside SubStatements (AT-2)."""
    for statement in statements:
        yield from _attachments_of(statement)
        sub = statement.get("object")
        if isinstance(sub, dict) and sub.get("objectType") == "SubStatement":
            yield from _attachments_of(sub)


def _attachments_of(holder: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Yield the attachment objects listed directly on one statement (AT-2)."""
    items = holder.get("attachments")
    if isinstance(items, list):
        yield from (item for item in items if isinstance(item, dict))


def match_attachment_parts(
    statements: list[dict[str, Any]], parts: list[Part]
) -> dict[str, StoredAttachment]:
    """Check parts against attachment objects and return their data by sha2 (AT-1..AT-3, AT-12)."""
    declared: dict[str, str] = {}
    required: set[str] = set()
    for attachment in iter_attachments(statements):
        sha2 = attachment.get("sha2")
        if not isinstance(sha2, str):
            raise BadRequestError("attachment sha2 must be a string")
        content_type = attachment.get("contentType")
        declared.setdefault(sha2.lower(), content_type if isinstance(content_type, str) else "")
        if "fileUrl" not in attachment:
            required.add(sha2.lower())
    received: dict[str, StoredAttachment] = {}
    for part in parts:
        sha2 = _checked_hash(part, declared)
        content_type = part.headers.get("content-type") or declared[sha2]
        received[sha2] = StoredAttachment(sha2=sha2, content_type=content_type, data=part.body)
    missing = sorted(required - received.keys())
    if missing:
        raise BadRequestError(f"no multipart part for attachment sha2 {missing[0]}")
    return received


def _checked_hash(part: Part, declared: dict[str, str]) -> str:
    """Validate one attachment part's headers and content hash; return its sha2 (AT-2)."""
    header = part.headers.get(HASH_HEADER)
    if not header:
        raise BadRequestError("attachment part lacks X-Experience-API-Hash")
    sha2 = header.lower()
    if sha2 not in declared:
        raise BadRequestError(f"attachment part {sha2} matches no attachment sha2")
    encoding = part.headers.get("content-transfer-encoding", "")
    if encoding.lower() != "binary":
        raise BadRequestError("attachment part Content-Transfer-Encoding must be binary")
    algorithm = _HASHES.get(len(sha2))
    if algorithm is None or not _HEX.issuperset(sha2):
        raise BadRequestError(f"attachment hash {sha2} is not a SHA-2 hex digest")
    if algorithm(part.body).hexdigest() != sha2:
        raise BadRequestError(f"attachment part content does not match its hash {sha2}")
    return sha2

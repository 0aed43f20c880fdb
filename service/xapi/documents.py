"""HTTP-free rules of the document resources: ETags, preconditions, merging (D-1..D-14, T-15, T-16).

Every store adapter decides a write by calling `resolve_write` inside its atomic operation, so
the rules live here once and the adapters only read, call and persist (ARCHITECTURE rule 3).
"""

from __future__ import annotations

import hashlib
from typing import Any

import orjson

from service.model.documents import (
    DocumentKind,
    DocumentWrite,
    Preconditions,
    PutPolicy,
    StoredDocument,
    WriteMode,
)
from service.model.errors import BadRequestError, ConflictError, PreconditionFailedError
from service.xapi.json_depth import check_json_depth
from service.xapi.json_size import check_json_values
from service.xapi.multipart import media_type
from service.xapi.versions import is_v2

JSON_TYPE = "application/json"
DEFAULT_CONTENT_TYPE = "application/octet-stream"


def etag_of(content: bytes) -> str:
    """The ETag of stored bytes: lowercase SHA-1 hex, unquoted (T-15, X-8)."""
    return hashlib.sha1(content, usedforsecurity=False).hexdigest()


def quoted(etag: str) -> str:
    """The ETag header value: a strong, double-quoted tag (T-15)."""
    return f'"{etag}"'


def ids_body(ids: list[str]) -> bytes:
    """The JSON array answered by an id-list GET; its ETag is `etag_of` these bytes (D-22)."""
    return orjson.dumps(ids)


def is_json(content_type: str) -> bool:
    """Whether a Content-Type is application/json, ignoring case and parameters (D-5)."""
    return media_type(content_type) == JSON_TYPE


def parse_etags(header: str | None) -> tuple[str, ...] | None:
    """If-Match / If-None-Match values: `*`, tags, lists, `W/` prefixes, quotes stripped (T-16)."""
    if header is None or not header.strip():
        return None
    tags: list[str] = []
    for raw in header.split(","):
        tag = raw.strip()
        if tag.startswith("W/"):
            tag = tag[2:]
        if len(tag) >= 2 and tag[0] == tag[-1] == '"':
            tag = tag[1:-1]
        if tag:
            tags.append(tag)
    return tuple(tags)


def preconditions_from_headers(if_match: str | None, if_none_match: str | None) -> Preconditions:
    """Preconditions of a request from its two header values (T-16)."""
    return Preconditions(if_match=parse_etags(if_match), if_none_match=parse_etags(if_none_match))


def check_preconditions(current_etag: str | None, preconditions: Preconditions) -> None:
    """412 unless the current ETag (None: no document) satisfies both headers (D-10, D-11, D-14)."""
    if_match = preconditions.if_match
    if if_match is not None and (
        current_etag is None or ("*" not in if_match and current_etag not in if_match)
    ):
        raise PreconditionFailedError("If-Match does not match the current document's ETag")
    if_none_match = preconditions.if_none_match
    if (
        if_none_match is not None
        and current_etag is not None
        and ("*" in if_none_match or current_etag in if_none_match)
    ):
        raise PreconditionFailedError("If-None-Match matches the current document")


def put_policy(kind: DocumentKind, version: str) -> PutPolicy:
    """PUT without preconditions, by resource and request version (D-12, X-10, X-11).

    State: 2.0 answers 409 on an existing document, 1.0.x overwrites; profiles always 409.
    Missing document: profiles reject with 400 for 1.0.x and create for 2.0; State creates.
    """
    if kind is DocumentKind.STATE:
        return PutPolicy(conflict_if_exists=is_v2(version), reject_if_missing=False)
    return PutPolicy(conflict_if_exists=True, reject_if_missing=not is_v2(version))


def new_write(
    content: bytes,
    content_type: str | None,
    *,
    mode: WriteMode,
    preconditions: Preconditions,
    policy: PutPolicy,
    max_depth: int = 64,
    max_values: int = 2_000_000,
) -> DocumentWrite:
    """A write ready for the store; a POSTed JSON body that is not JSON is rejected now (D-6).

    JSON nested deeper than `max_depth` or with more than `max_values` values is refused for
    PUT and POST alike (a stored document is parsed when a POST merges into it).
    """
    content_type = content_type or DEFAULT_CONTENT_TYPE
    json_object: dict[str, Any] | None = None
    if is_json(content_type):
        check_json_depth(content, max_depth, "the document")
        check_json_values(content, max_values, "the document")
    if mode is WriteMode.POST and is_json(content_type):
        try:
            parsed = orjson.loads(content)
        except orjson.JSONDecodeError:
            raise BadRequestError("the body is declared application/json but is not JSON") from None
        json_object = parsed if isinstance(parsed, dict) else None
    return DocumentWrite(
        content=content,
        content_type=content_type,
        mode=mode,
        preconditions=preconditions,
        put_policy=policy,
        json_object=json_object,
    )


def resolve_write(current: StoredDocument | None, write: DocumentWrite) -> tuple[bytes, str]:
    """The bytes and Content-Type to store, or the error that leaves the document unchanged.

    Order: preconditions (412, D-10/D-11/D-13/D-14), then PUT without headers (409/400, D-12),
    then the POST merge (400, D-4/D-5); POST to a missing document stores the body (D-6).
    """
    check_preconditions(current.etag if current is not None else None, write.preconditions)
    if write.mode is WriteMode.PUT:
        if not write.preconditions.given:
            _check_unconditional_put(current, write.put_policy)
        return write.content, write.content_type
    if current is None:
        return write.content, write.content_type
    return merge_documents(current, write), write.content_type


def _check_unconditional_put(current: StoredDocument | None, policy: PutPolicy) -> None:
    if current is not None and policy.conflict_if_exists:
        raise ConflictError(
            "the document already exists: GET it and send the PUT again with If-Match set to "
            "its ETag (or POST to merge into it)"
        )
    if current is None and policy.reject_if_missing:
        raise BadRequestError(
            "a PUT creating a new profile document needs If-None-Match: * in xAPI 1.0.x"
        )


def merge_documents(current: StoredDocument, write: DocumentWrite) -> bytes:
    """Shallow merge: the POSTed object's top-level keys replace the stored ones (D-4, D-5)."""
    if not is_json(current.content_type):
        raise BadRequestError("cannot merge into a stored document that is not application/json")
    if not is_json(write.content_type):
        raise BadRequestError("a POST merging into a JSON document must be application/json")
    if write.json_object is None:
        raise BadRequestError("a POST merging into a JSON document must send a JSON object")
    try:
        stored = orjson.loads(current.content)
    except orjson.JSONDecodeError:
        stored = None
    if not isinstance(stored, dict):
        raise BadRequestError("the stored document is not a JSON object, so it cannot be merged")
    try:
        return orjson.dumps({**stored, **write.json_object})
    except (
        orjson.JSONEncodeError
    ):  # stored before the depth limit existed, deeper than orjson writes
        raise BadRequestError("the stored document nests too deeply to be merged") from None

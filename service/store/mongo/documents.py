"""State, Activity Profile and Agent Profile documents on MongoDB (D-1..D-50, T-15, T-16).

A write reads the current document, lets `resolve_write` decide, and persists with one server
operation that only applies if the document is still the one decided on: an update filtered on
its ETag, or an insert that the unique key refuses if someone created it meanwhile. If the
document changed in between, the write is decided again on the new state, so concurrent
writers behave as if they ran one after another (ARCHITECTURE rule 3).
"""

from __future__ import annotations

from typing import Any

from pymongo import ASCENDING
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from service.model.clock import now_ms
from service.model.documents import (
    DocumentIds,
    DocumentKey,
    DocumentScope,
    DocumentWrite,
    Preconditions,
    StoredDocument,
)
from service.model.errors import StoreError
from service.store.mongo.client import Doc
from service.xapi.documents import check_preconditions, etag_of, ids_body, resolve_write

MAX_ATTEMPTS = 50


def _scope_filter(tenant: str, scope: DocumentScope) -> Doc:
    """A scope's filter; no registration means every registration (D-22, D-23)."""
    where: Doc = {
        "t": tenant,
        "kind": int(scope.kind),
        "activity_id": scope.activity_id,
        "agent": scope.agent,
    }
    if scope.registration is not None:
        where["registration"] = scope.registration
    return where


def _key_filter(tenant: str, key: DocumentKey) -> Doc:
    where = _scope_filter(tenant, key.scope)
    where["registration"] = key.scope.registration or ""
    where["document_id"] = key.document_id
    return where


def _stored(doc: Doc) -> StoredDocument:
    return StoredDocument(doc["content"], doc["content_type"], doc["etag"], doc["updated"])


async def get_document(
    coll: AsyncCollection[Doc], tenant: str, key: DocumentKey
) -> StoredDocument | None:
    doc = await coll.find_one(_key_filter(tenant, key))
    return _stored(doc) if doc is not None else None


async def list_documents(
    coll: AsyncCollection[Doc], tenant: str, scope: DocumentScope, since_ms: int | None
) -> DocumentIds:
    """Distinct ids of the scope in id order, only those updated after `since_ms` (D-9)."""
    where = _scope_filter(tenant, scope)
    if since_ms is not None:
        where["updated"] = {"$gt": since_ms}
    newest: dict[str, int] = {}
    cursor = coll.find(where, {"document_id": 1, "updated": 1}).sort("document_id", ASCENDING)
    async for doc in cursor:
        document_id = doc["document_id"]
        newest[document_id] = max(doc["updated"], newest.get(document_id, doc["updated"]))
    return DocumentIds(ids=list(newest), newest_updated_ms=max(newest.values(), default=None))


async def put_document(
    coll: AsyncCollection[Doc], tenant: str, key: DocumentKey, write: DocumentWrite
) -> StoredDocument:
    """Decide and apply a PUT/POST atomically; `updated` always moves forward (D-4..D-14, D-50)."""
    where = _key_filter(tenant, key)
    for _ in range(MAX_ATTEMPTS):
        current_doc = await coll.find_one(where)
        current = _stored(current_doc) if current_doc is not None else None
        content, content_type = resolve_write(current, write)
        updated = max(now_ms(), current.updated_ms + 1) if current is not None else now_ms()
        stored = StoredDocument(content, content_type, etag_of(content), updated)
        fields: dict[str, Any] = {
            "content": content,
            "content_type": content_type,
            "etag": stored.etag,
            "updated": updated,
        }
        if current is None:
            try:
                await coll.insert_one({**where, **fields})
            except DuplicateKeyError:
                continue  # created meanwhile: decide again
            return stored
        result = await coll.update_one({**where, "etag": current.etag}, {"$set": fields})
        if result.matched_count == 1:
            return stored
    raise StoreError("the document kept changing under this write; send it again")


async def delete_document(
    coll: AsyncCollection[Doc], tenant: str, key: DocumentKey, preconditions: Preconditions
) -> None:
    """Delete one document if the preconditions hold; absent documents are fine (D-13, D-23)."""
    where = _key_filter(tenant, key)
    if not preconditions.given:
        await coll.delete_one(where)
        return
    for _ in range(MAX_ATTEMPTS):
        current = await coll.find_one(where, {"etag": 1})
        etag = current["etag"] if current is not None else None
        check_preconditions(etag, preconditions)
        if etag is None:
            return
        result = await coll.delete_one({**where, "etag": etag})
        if result.deleted_count == 1:
            return
    raise StoreError("the document kept changing under this delete; send it again")


async def delete_documents(
    coll: AsyncCollection[Doc], tenant: str, scope: DocumentScope, preconditions: Preconditions
) -> None:
    """Delete a scope; with preconditions, exactly the ids whose list ETag was checked (D-23)."""
    where = _scope_filter(tenant, scope)
    if preconditions.given:
        listing = await list_documents(coll, tenant, scope, None)
        check_preconditions(etag_of(ids_body(listing.ids)), preconditions)
        where["document_id"] = {"$in": listing.ids}
    await coll.delete_many(where)

"""MongoDB's DocumentStore: State, Activity Profile and Agent Profile documents."""

from __future__ import annotations

from service.model.documents import (
    DocumentIds,
    DocumentKey,
    DocumentScope,
    DocumentWrite,
    Preconditions,
    StoredDocument,
)
from service.store.mongo import documents as document_ops
from service.store.mongo import schema
from service.store.mongo.client import driver_errors
from service.store.mongo.connection import MongoConnection


class MongoDocuments:
    """One collection; each write is one conditional operation (see documents)."""

    def __init__(self, conn: MongoConnection) -> None:
        self._conn = conn

    @driver_errors("read a document")
    async def get_document(self, tenant: str, key: DocumentKey) -> StoredDocument | None:
        return await document_ops.get_document(self._conn.coll(schema.DOCUMENTS), tenant, key)

    @driver_errors("list documents")
    async def list_documents(
        self, tenant: str, scope: DocumentScope, *, since_ms: int | None = None
    ) -> DocumentIds:
        coll = self._conn.coll(schema.DOCUMENTS)
        return await document_ops.list_documents(coll, tenant, scope, since_ms)

    @driver_errors("write a document")
    async def put_document(
        self, tenant: str, key: DocumentKey, write: DocumentWrite
    ) -> StoredDocument:
        return await document_ops.put_document(
            self._conn.coll(schema.DOCUMENTS), tenant, key, write
        )

    @driver_errors("delete a document")
    async def delete_document(
        self, tenant: str, key: DocumentKey, preconditions: Preconditions
    ) -> None:
        coll = self._conn.coll(schema.DOCUMENTS)
        await document_ops.delete_document(coll, tenant, key, preconditions)

    @driver_errors("delete documents")
    async def delete_documents(
        self, tenant: str, scope: DocumentScope, preconditions: Preconditions
    ) -> None:
        coll = self._conn.coll(schema.DOCUMENTS)
        await document_ops.delete_documents(coll, tenant, scope, preconditions)

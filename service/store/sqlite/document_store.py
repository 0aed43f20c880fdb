"""SQLite's DocumentStore: State, Activity Profile and Agent Profile documents."""

from __future__ import annotations

from service.model.clock import now_ms
from service.model.documents import (
    DocumentIds,
    DocumentKey,
    DocumentScope,
    DocumentWrite,
    Preconditions,
    StoredDocument,
)
from service.store.sqlite import documents as document_ops
from service.store.sqlite.database import SQLitePart


class SQLiteDocuments(SQLitePart):
    """Reads on the reader pool; each write is one writer job, checked and applied atomically."""

    async def get_document(self, tenant: str, key: DocumentKey) -> StoredDocument | None:
        return await self._read(lambda conn: document_ops.get_document(conn, tenant, key))

    async def list_documents(
        self, tenant: str, scope: DocumentScope, *, since_ms: int | None = None
    ) -> DocumentIds:
        return await self._read(
            lambda conn: document_ops.list_documents(conn, tenant, scope, since_ms)
        )

    async def put_document(
        self, tenant: str, key: DocumentKey, write: DocumentWrite
    ) -> StoredDocument:
        return await self._write(
            lambda conn: document_ops.put_document(conn, tenant, key, write, now_ms())
        )

    async def delete_document(
        self, tenant: str, key: DocumentKey, preconditions: Preconditions
    ) -> None:
        await self._write(
            lambda conn: document_ops.delete_document(conn, tenant, key, preconditions)
        )

    async def delete_documents(
        self, tenant: str, scope: DocumentScope, preconditions: Preconditions
    ) -> None:
        await self._write(
            lambda conn: document_ops.delete_documents(conn, tenant, scope, preconditions)
        )

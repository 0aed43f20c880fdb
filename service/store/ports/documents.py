"""The documents capability: State, Activity Profile and Agent Profile documents."""

from __future__ import annotations

from typing import Protocol

from service.model.documents import (
    DocumentIds,
    DocumentKey,
    DocumentScope,
    DocumentWrite,
    Preconditions,
    StoredDocument,
)


class DocumentStore(Protocol):
    """The document resources of every tenant (D-1..D-23)."""

    async def get_document(self, tenant: str, key: DocumentKey) -> StoredDocument | None:
        """One State, Activity Profile or Agent Profile document (D-1, D-3)."""
        ...

    async def list_documents(
        self, tenant: str, scope: DocumentScope, *, since_ms: int | None = None
    ) -> DocumentIds:
        """Ids in the scope updated after `since_ms`; no registration = all (D-9, D-22)."""
        ...

    async def put_document(
        self, tenant: str, key: DocumentKey, write: DocumentWrite
    ) -> StoredDocument:
        """PUT or POST-merge atomically with `service.xapi.documents.resolve_write` (D-4..D-14).

        Raises PreconditionFailedError, ConflictError or BadRequestError, changing nothing.
        """
        ...

    async def delete_document(
        self, tenant: str, key: DocumentKey, preconditions: Preconditions
    ) -> None:
        """Delete one document if the preconditions hold, else 412 and no change (D-13)."""
        ...

    async def delete_documents(
        self, tenant: str, scope: DocumentScope, preconditions: Preconditions
    ) -> None:
        """Delete every document of a scope; preconditions apply to the id list's ETag (D-23)."""
        ...

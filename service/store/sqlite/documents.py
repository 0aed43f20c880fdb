"""Document operations on SQLite connections; writes run as one writer-thread job each (D-1..D-50).

A write reads the current row, lets `resolve_write` decide (preconditions, conflicts, merge)
and persists in the same savepoint, so a concurrent writer can never slip in between and a
raised error leaves the row untouched (ARCHITECTURE rule 3, T-22).
"""

from __future__ import annotations

import sqlite3
from typing import Any

from service.model.documents import (
    DocumentIds,
    DocumentKey,
    DocumentScope,
    DocumentWrite,
    Preconditions,
    StoredDocument,
)
from service.xapi.documents import check_preconditions, etag_of, ids_body, resolve_write

_KEY_WHERE = (
    "tenant = ? AND kind = ? AND activity_id = ? AND agent = ? AND registration = ? "
    "AND document_id = ?"
)


def _key_params(tenant: str, key: DocumentKey) -> tuple[Any, ...]:
    scope = key.scope
    registration = scope.registration or ""
    return (tenant, int(scope.kind), scope.activity_id, scope.agent, registration, key.document_id)


def _scope_where(tenant: str, scope: DocumentScope) -> tuple[str, list[Any]]:
    """A WHERE clause for a scope; no registration means every registration (D-22, D-23)."""
    sql = "tenant = ? AND kind = ? AND activity_id = ? AND agent = ?"
    params: list[Any] = [tenant, int(scope.kind), scope.activity_id, scope.agent]
    if scope.registration is not None:
        sql += " AND registration = ?"
        params.append(scope.registration)
    return sql, params


def get_document(conn: sqlite3.Connection, tenant: str, key: DocumentKey) -> StoredDocument | None:
    row = conn.execute(
        f"SELECT content, content_type, etag, updated FROM documents WHERE {_KEY_WHERE}",
        _key_params(tenant, key),
    ).fetchone()
    if row is None:
        return None
    return StoredDocument(content=row[0], content_type=row[1], etag=row[2], updated_ms=row[3])


def list_documents(
    conn: sqlite3.Connection, tenant: str, scope: DocumentScope, since_ms: int | None
) -> DocumentIds:
    """Distinct ids of the scope in id order, only those updated after `since_ms` (D-9)."""
    where, params = _scope_where(tenant, scope)
    if since_ms is not None:
        where += " AND updated > ?"
        params.append(since_ms)
    rows = conn.execute(
        f"SELECT document_id, max(updated) FROM documents WHERE {where} "
        "GROUP BY document_id ORDER BY document_id",
        params,
    ).fetchall()
    return DocumentIds(
        ids=[row[0] for row in rows],
        newest_updated_ms=max((row[1] for row in rows), default=None),
    )


def put_document(
    conn: sqlite3.Connection, tenant: str, key: DocumentKey, write: DocumentWrite, now_ms: int
) -> StoredDocument:
    """Decide and apply a PUT/POST atomically; `updated` always moves forward (D-50)."""
    current = get_document(conn, tenant, key)
    content, content_type = resolve_write(current, write)
    updated = max(now_ms, current.updated_ms + 1) if current is not None else now_ms
    stored = StoredDocument(content, content_type, etag_of(content), updated)
    conn.execute(
        "INSERT INTO documents (tenant, kind, activity_id, agent, registration, document_id, "
        "content_type, content, etag, updated) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (tenant, kind, activity_id, agent, registration, document_id) DO UPDATE SET "
        "content_type = excluded.content_type, content = excluded.content, "
        "etag = excluded.etag, updated = excluded.updated",
        (*_key_params(tenant, key), content_type, content, stored.etag, updated),
    )
    return stored


def delete_document(
    conn: sqlite3.Connection, tenant: str, key: DocumentKey, preconditions: Preconditions
) -> None:
    """Delete one document if the preconditions hold; absent documents are fine (D-13, D-23)."""
    if preconditions.given:
        current = get_document(conn, tenant, key)
        check_preconditions(current.etag if current is not None else None, preconditions)
    conn.execute(f"DELETE FROM documents WHERE {_KEY_WHERE}", _key_params(tenant, key))


def delete_documents(
    conn: sqlite3.Connection, tenant: str, scope: DocumentScope, preconditions: Preconditions
) -> None:
    """Delete a whole scope; preconditions compare with the id list's ETag (D-13, D-23)."""
    if preconditions.given:
        listing = list_documents(conn, tenant, scope, None)
        check_preconditions(etag_of(ids_body(listing.ids)), preconditions)
    where, params = _scope_where(tenant, scope)
    conn.execute(f"DELETE FROM documents WHERE {where}", params)

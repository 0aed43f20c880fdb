"""SQLite's AuditStore: the `audit` table (admin_schema), append-only: triggers refuse changes."""

from __future__ import annotations

import sqlite3
from typing import Any

import orjson

from service.model.audit import AuditEntry, AuditEvent, AuditQuery
from service.store.sqlite.database import SQLitePart

_COLUMNS = "id, at, actor, action, tenant, target, source, outcome, details"


def _entry(row: Any) -> AuditEntry:
    event = AuditEvent(
        at_ms=row[1],
        actor=row[2],
        action=row[3],
        tenant=row[4],
        target=row[5],
        source=row[6],
        outcome=row[7],
        details=orjson.loads(row[8]),
    )
    return AuditEntry(id=row[0], event=event)


def _prefix(column: str) -> str:
    return f"substr({column}, 1, length(?)) = ?"


def list_audit(conn: sqlite3.Connection, query: AuditQuery) -> list[AuditEntry]:
    where: list[str] = []
    params: list[Any] = []
    if query.tenant is not None:
        where.append("tenant = ?")
        params.append(query.tenant)
    for column, value in (("actor", query.actor), ("action", query.action)):
        if value is not None:
            where.append(_prefix(column))
            params += [value, value]
    for clause, bound in (
        ("at >= ?", query.since_ms),
        ("at < ?", query.until_ms),
        ("id < ?", query.before_id),
    ):
        if bound is not None:
            where.append(clause)
            params.append(bound)
    sql = f"SELECT {_COLUMNS} FROM audit"
    if where:
        sql += " WHERE " + " AND ".join(where)
    rows = conn.execute(sql + " ORDER BY id DESC LIMIT ?", [*params, query.limit]).fetchall()
    return [_entry(row) for row in rows]


class SQLiteAudit(SQLitePart):
    """The audit log (issue 20)."""

    async def append_audit(self, event: AuditEvent) -> int:
        def job(conn: sqlite3.Connection) -> int:
            cursor = conn.execute(
                "INSERT INTO audit (at, actor, action, tenant, target, source, outcome, details) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    event.at_ms,
                    event.actor,
                    event.action,
                    event.tenant,
                    event.target,
                    event.source,
                    event.outcome,
                    orjson.dumps(event.details).decode(),
                ),
            )
            return int(cursor.lastrowid or 0)

        return await self._write(job)

    async def list_audit(self, query: AuditQuery) -> list[AuditEntry]:
        return await self._read(lambda conn: list_audit(conn, query))

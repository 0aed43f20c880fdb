"""Forwarding targets and the outbox on SQLite: rows are written in the statements' transaction."""

from __future__ import annotations

import sqlite3
from typing import Any

import orjson

from service.model.errors import ConflictError, NotFoundError
from service.model.forwarding import (
    DeadLetter,
    DeliveryOutcome,
    ForwardTarget,
    OutboxBatch,
    OutboxItem,
    TargetFilter,
    TargetStatus,
    accepted_by,
)
from service.model.statements import NewStatement
from service.store.sqlite.statements import uploaded_of

_TARGET_COLUMNS = (
    "id, tenant, name, kind, url, username, password, xapi_version, verbs, activity_prefixes, "
    "credentials, enabled, created"
)
_STATUS_COLUMNS = "delivered, failures, next_attempt, last_error, last_delivered"


def _target(row: Any) -> ForwardTarget:
    return ForwardTarget(
        id=row[0],
        tenant=row[1],
        name=row[2],
        kind=row[3],
        url=row[4],
        username=row[5],
        password=row[6],
        xapi_version=row[7],
        filter=TargetFilter(
            verbs=tuple(orjson.loads(row[8])),
            activity_prefixes=tuple(orjson.loads(row[9])),
            credentials=tuple(orjson.loads(row[10])),
        ),
        enabled=bool(row[11]),
        created_ms=row[12],
    )


def enqueue(
    conn: sqlite3.Connection, tenant: str, inserted: list[tuple[int, NewStatement]], now_ms: int
) -> None:
    """Outbox rows for newly stored statements, in `seq` order, for every matching target."""
    if not inserted:
        return
    rows = conn.execute(
        f"SELECT {_TARGET_COLUMNS} FROM forward_targets WHERE tenant = ? AND enabled = 1",
        (tenant,),
    ).fetchall()
    if not rows:
        return
    targets = [_target(row) for row in rows]
    conn.executemany(
        "INSERT INTO outbox (target_id, tenant, seq, statement_id, created) VALUES (?, ?, ?, ?, ?)",
        [
            (target.id, tenant, seq, new.id, now_ms)
            for target, seq, new in accepted_by(targets, inserted)
        ],
    )


def add_target(conn: sqlite3.Connection, target: ForwardTarget) -> ForwardTarget:
    f = target.filter
    try:
        row = conn.execute(
            "INSERT INTO forward_targets (tenant, name, kind, url, username, password, "
            "xapi_version, verbs, activity_prefixes, credentials, enabled, created) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            (
                target.tenant,
                target.name,
                target.kind,
                target.url,
                target.username,
                target.password,
                target.xapi_version,
                orjson.dumps(list(f.verbs)).decode(),
                orjson.dumps(list(f.activity_prefixes)).decode(),
                orjson.dumps(list(f.credentials)).decode(),
                int(target.enabled),
                target.created_ms,
            ),
        ).fetchone()
    except sqlite3.IntegrityError:
        raise ConflictError(f"the tenant already has a target named {target.name!r}") from None
    return _target_by_id(conn, int(row[0]))


def _target_by_id(conn: sqlite3.Connection, target_id: int) -> ForwardTarget:
    row = conn.execute(
        f"SELECT {_TARGET_COLUMNS} FROM forward_targets WHERE id = ?", (target_id,)
    ).fetchone()
    return _target(row)


def list_targets(
    conn: sqlite3.Connection, tenant: str, target_id: int | None = None
) -> list[TargetStatus]:
    sql = (
        f"SELECT {_TARGET_COLUMNS}, {_STATUS_COLUMNS}, "
        "(SELECT count(*) FROM outbox o WHERE o.target_id = t.id AND o.dead = 0), "
        "(SELECT count(*) FROM outbox o WHERE o.target_id = t.id AND o.dead = 1) "
        "FROM forward_targets t WHERE tenant = ?"
    )
    params: list[Any] = [tenant]
    if target_id is not None:
        sql += " AND id = ?"
        params.append(target_id)
    rows = conn.execute(sql + " ORDER BY id", params).fetchall()
    return [
        TargetStatus(
            target=_target(row),
            delivered=row[13],
            failures=row[14],
            next_attempt_ms=row[15],
            last_error=row[16],
            last_delivered_ms=row[17],
            pending=row[18],
            dead=row[19],
        )
        for row in rows
    ]


def _owned(conn: sqlite3.Connection, tenant: str, target_id: int) -> None:
    row = conn.execute(
        "SELECT 1 FROM forward_targets WHERE id = ? AND tenant = ?", (target_id, tenant)
    ).fetchone()
    if row is None:
        raise NotFoundError(f"no forwarding target {target_id} in this tenant")


def set_enabled(
    conn: sqlite3.Connection, tenant: str, target_id: int, enabled: bool
) -> TargetStatus:
    _owned(conn, tenant, target_id)
    conn.execute(
        "UPDATE forward_targets SET enabled = ?, failures = 0, next_attempt = 0 WHERE id = ?",
        (int(enabled), target_id),
    )
    return list_targets(conn, tenant, target_id)[0]


def delete_target(conn: sqlite3.Connection, tenant: str, target_id: int) -> None:
    _owned(conn, tenant, target_id)
    conn.execute("DELETE FROM outbox WHERE target_id = ?", (target_id,))
    conn.execute("DELETE FROM forward_targets WHERE id = ?", (target_id,))


def due_targets(conn: sqlite3.Connection, now_ms: int) -> list[ForwardTarget]:
    rows = conn.execute(
        f"SELECT {_TARGET_COLUMNS} FROM forward_targets t WHERE enabled = 1 "
        "AND next_attempt <= ? AND lease_until <= ? "
        "AND EXISTS (SELECT 1 FROM outbox o WHERE o.target_id = t.id AND o.dead = 0) ORDER BY id",
        (now_ms, now_ms),
    ).fetchall()
    return [_target(row) for row in rows]


def claim(
    conn: sqlite3.Connection, target_id: int, owner: str, now_ms: int, lease_ms: int, limit: int
) -> OutboxBatch | None:
    """Lease the target, then read its oldest pending rows with the statements' stored bytes."""
    leased = conn.execute(
        "UPDATE forward_targets SET lease_owner = ?, lease_until = ? WHERE id = ? AND enabled = 1 "
        "AND next_attempt <= ? AND (lease_until <= ? OR lease_owner = ?) RETURNING failures",
        (owner, now_ms + lease_ms, target_id, now_ms, now_ms, owner),
    ).fetchone()
    if leased is None:
        return None
    rows = conn.execute(
        "SELECT o.id, o.statement_id, o.attempts, s.body, s.uploaded FROM outbox o "
        "JOIN statements s ON s.seq = o.seq WHERE o.target_id = ? AND o.dead = 0 "
        "ORDER BY o.id LIMIT ?",
        (target_id, limit),
    ).fetchall()
    if not rows:
        _release(conn, target_id, owner)
        return None
    items = [OutboxItem(row[0], row[1], row[2], row[3], uploaded_of(row[4])) for row in rows]
    return OutboxBatch(target=_target_by_id(conn, target_id), items=items, failures=leased[0])


def _release(conn: sqlite3.Connection, target_id: int, owner: str) -> None:
    conn.execute(
        "UPDATE forward_targets SET lease_owner = NULL, lease_until = 0 "
        "WHERE id = ? AND lease_owner = ?",
        (target_id, owner),
    )


def finish(
    conn: sqlite3.Connection, target_id: int, owner: str, now_ms: int, outcome: DeliveryOutcome
) -> None:
    """Apply a sender's report; only the failed row's attempts grow, the rest keep waiting."""
    conn.executemany(
        "DELETE FROM outbox WHERE id = ? AND target_id = ?",
        [(outbox_id, target_id) for outbox_id in outcome.delivered],
    )
    if outcome.delivered:
        conn.execute(
            "UPDATE forward_targets SET delivered = delivered + ?, last_delivered = ? WHERE id = ?",
            (len(outcome.delivered), now_ms, target_id),
        )
    if outcome.failed is None:
        conn.execute(
            "UPDATE forward_targets SET failures = 0, next_attempt = 0, last_error = NULL "
            "WHERE id = ?",
            (target_id,),
        )
    else:
        conn.execute(
            "UPDATE outbox SET attempts = attempts + 1, last_error = ?, "
            "dead = (attempts + 1 >= ?) WHERE id = ? AND target_id = ?",
            (outcome.error, outcome.max_attempts, outcome.failed, target_id),
        )
        conn.execute(
            "UPDATE forward_targets SET failures = failures + 1, next_attempt = ?, "
            "last_error = ? WHERE id = ?",
            (outcome.retry_at_ms, outcome.error, target_id),
        )
    _release(conn, target_id, owner)


def dead_letters(
    conn: sqlite3.Connection, tenant: str, target_id: int | None, limit: int
) -> list[DeadLetter]:
    sql = (
        "SELECT o.id, o.target_id, t.name, o.statement_id, o.attempts, o.last_error, o.created "
        "FROM outbox o JOIN forward_targets t ON t.id = o.target_id "
        "WHERE o.tenant = ? AND o.dead = 1"
    )
    params: list[Any] = [tenant]
    if target_id is not None:
        sql += " AND o.target_id = ?"
        params.append(target_id)
    rows = conn.execute(sql + " ORDER BY o.id LIMIT ?", [*params, limit]).fetchall()
    return [DeadLetter(*row) for row in rows]


def requeue(conn: sqlite3.Connection, tenant: str, target_id: int | None) -> int:
    """Dead letters go back to pending; their old ids keep them in `stored` order."""
    sql = "UPDATE outbox SET dead = 0, attempts = 0 WHERE tenant = ? AND dead = 1"
    params: list[Any] = [tenant]
    if target_id is not None:
        _owned(conn, tenant, target_id)
        sql += " AND target_id = ?"
        params.append(target_id)
    count = conn.execute(sql, params).rowcount
    conn.execute(
        "UPDATE forward_targets SET failures = 0, next_attempt = 0 WHERE tenant = ?", (tenant,)
    )
    return int(count)


def depth(conn: sqlite3.Connection) -> int:
    return int(conn.execute("SELECT count(*) FROM outbox WHERE dead = 0").fetchone()[0])


def dead_letter_counts(conn: sqlite3.Connection) -> dict[tuple[str, str], int]:
    rows = conn.execute(
        "SELECT t.tenant, t.name, count(*) FROM outbox o JOIN forward_targets t "
        "ON t.id = o.target_id WHERE o.dead = 1 GROUP BY t.id"
    ).fetchall()
    return {(tenant, name): int(count) for tenant, name, count in rows}

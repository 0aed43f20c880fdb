"""Erasing one agent from one tenant on SQLite, in one writer transaction (issue 5)."""

from __future__ import annotations

import sqlite3
from dataclasses import asdict
from typing import Any

import orjson

from service.model.documents import DocumentKind
from service.model.statements import KeyKind
from service.model.tenancy import ErasureCounts, ErasureRecord
from service.store.sqlite.outcome_erasure import delete_learner_changes, delete_learner_outcomes
from service.xapi.erasure import attachment_sha2s, erasure_action
from service.xapi.statement_index import index_statement


def erase_agent(
    conn: sqlite3.Connection,
    tenant: str,
    key: str,
    *,
    agent_hash: str,
    learner: str,
    erased_by: str,
    pseudonym: dict[str, Any],
    now_ms: int,
) -> ErasureRecord:
    """Delete or redact every statement naming the agent, drop their documents and index rows,
    and their outcome state as `learner`."""
    agent_ids = [
        row[0]
        for row in conn.execute(
            "SELECT key_id FROM index_keys WHERE tenant = ? AND key = ? AND kind IN (?, ?)",
            (tenant, key, int(KeyKind.AGENT), int(KeyKind.RELATED_AGENT)),
        )
    ]
    seqs = sorted(
        {
            row[0]
            for key_id in agent_ids
            for row in conn.execute("SELECT seq FROM statement_keys WHERE key_id = ?", (key_id,))
        }
    )
    doomed: list[tuple[int, dict[str, Any], list[int]]] = []
    redacted = 0
    tombstones: list[tuple[str, int, str]] = []
    for seq in seqs:
        row = conn.execute(
            "SELECT body FROM statements WHERE seq = ? AND tenant = ?", (seq, tenant)
        ).fetchone()
        if row is None:
            continue
        statement = orjson.loads(row[0])
        action, changed = erasure_action(statement, key, pseudonym)
        if action == "delete":
            doomed.append((seq, statement, _key_ids_of(conn, tenant, statement)))
            tombstones.append((statement["id"], seq, "deleted"))
        elif action == "redact":
            tombstones.append((statement["id"], seq, "pseudonymised"))
            conn.execute(
                "UPDATE statements SET body = ? WHERE seq = ?", (orjson.dumps(changed), seq)
            )
            redacted += 1
    outbox = sum(_delete_statement(conn, seq, key_ids) for seq, _, key_ids in doomed)
    record_tombstones(conn, tenant, tombstones, reason="erasure", now_ms=now_ms)
    attachments = _delete_orphan_attachments(conn, tenant, [s for _, s, _ in doomed])
    for key_id in agent_ids:
        conn.execute("DELETE FROM statement_keys WHERE key_id = ?", (key_id,))
        conn.execute("DELETE FROM index_keys WHERE key_id = ?", (key_id,))
    documents = conn.execute(
        "DELETE FROM documents WHERE tenant = ? AND agent = ? AND kind IN (?, ?)",
        (tenant, key, int(DocumentKind.STATE), int(DocumentKind.AGENT_PROFILE)),
    ).rowcount
    agents = conn.execute("DELETE FROM agents WHERE tenant = ? AND key = ?", (tenant, key)).rowcount
    outcome_rows = delete_learner_outcomes(conn, tenant, learner)
    delete_learner_changes(conn, tenant, learner, now_ms)
    counts = ErasureCounts(
        statements_deleted=len(doomed),
        statements_redacted=redacted,
        documents_deleted=documents,
        attachments_deleted=attachments,
        outbox_deleted=outbox,
        agents_deleted=agents,
        outcome_rows_deleted=outcome_rows,
    )
    row = conn.execute(
        "INSERT INTO erasures (tenant, agent_hash, erased_by, erased, counts) "
        "VALUES (?, ?, ?, ?, ?) RETURNING id",
        (tenant, agent_hash, erased_by, now_ms, orjson.dumps(asdict(counts))),
    ).fetchone()
    deleted_ids = tuple(str(statement["id"]) for _, statement, _ in doomed)
    return ErasureRecord(int(row[0]), tenant, agent_hash, erased_by, now_ms, counts, deleted_ids)


def record_tombstones(
    conn: sqlite3.Connection,
    tenant: str,
    statements: list[tuple[str, int, str]],
    *,
    reason: str,
    now_ms: int,
) -> None:
    """Keep (statement id, seq, deleted|pseudonymised) of each changed statement for the change
    feed: ids only, never who the statement was about."""
    conn.executemany(
        "INSERT INTO tombstones (tenant, statement_id, seq, action, deleted, reason) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        [(tenant, sid, seq, action, now_ms, reason) for sid, seq, action in statements],
    )


def _key_ids_of(conn: sqlite3.Connection, tenant: str, statement: dict[str, Any]) -> list[int]:
    """Every index key a stored statement can carry: its own, its authority, inherited ones."""
    index = index_statement(statement)
    keys = set(index.keys)
    if index.authority is not None:
        keys.add((KeyKind.AUTHORITY, index.authority))
    ids = [
        row[0]
        for kind, value in keys
        for row in conn.execute(
            "SELECT key_id FROM index_keys WHERE tenant = ? AND kind = ? AND key = ?",
            (tenant, int(kind), value),
        )
    ]
    if index.ref_target is not None:
        ids += [
            row[0]
            for row in conn.execute(
                "SELECT k.key_id FROM statements s JOIN statement_keys k ON k.seq = s.seq "
                "WHERE s.tenant = ? AND s.id = ?",
                (tenant, index.ref_target),
            )
        ]
    return ids


def _delete_statement(conn: sqlite3.Connection, seq: int, key_ids: list[int]) -> int:
    """Delete a statement, its index rows and outbox rows; returns the outbox rows dropped.

    A body-less tombstone keeps the `seq` (with no tenant, never returned): SQLite would
    otherwise reuse the largest rowid, and `seq` must only ever grow (SR-12).
    """
    conn.executemany(
        "DELETE FROM statement_keys WHERE key_id = ? AND seq = ?",
        [(key_id, seq) for key_id in set(key_ids)],
    )
    stored = conn.execute("SELECT stored FROM statements WHERE seq = ?", (seq,)).fetchone()[0]
    conn.execute("DELETE FROM statements WHERE seq = ?", (seq,))
    conn.execute(
        "INSERT INTO statements (seq, tenant, id, stored, voided, body) VALUES (?, '', ?, ?, 1, ?)",
        (seq, f"erased:{seq}", stored, b""),
    )
    return int(conn.execute("DELETE FROM outbox WHERE seq = ?", (seq,)).rowcount)


def _delete_orphan_attachments(
    conn: sqlite3.Connection, tenant: str, statements: list[dict[str, Any]]
) -> int:
    """Drop attachments of deleted statements that no remaining statement of the tenant uses.

    Attachments are shared by content hash, so each candidate costs a scan of the tenant's
    statements; only erasures of statements with attachments pay it.
    """
    deleted = 0
    for sha2 in sorted({sha2 for s in statements for sha2 in attachment_sha2s(s)}):
        used = conn.execute(
            "SELECT 1 FROM statements WHERE tenant = ? "
            "AND (instr(body, ?) > 0 OR instr(body, ?) > 0) LIMIT 1",
            (tenant, sha2.encode(), sha2.upper().encode()),
        ).fetchone()
        if used is None:
            deleted += conn.execute(
                "DELETE FROM attachments WHERE tenant = ? AND sha2 = ?", (tenant, sha2)
            ).rowcount
    return deleted


def list_erasures(conn: sqlite3.Connection, tenant: str) -> list[ErasureRecord]:
    rows = conn.execute(
        "SELECT id, tenant, agent_hash, erased_by, erased, counts FROM erasures "
        "WHERE tenant = ? ORDER BY id",
        (tenant,),
    ).fetchall()
    return [
        ErasureRecord(row[0], row[1], row[2], row[3], row[4], ErasureCounts(**orjson.loads(row[5])))
        for row in rows
    ]

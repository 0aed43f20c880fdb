"""Storing statements: a few set-based statements per group of requests, not several per row.

Runs on the writer thread inside the caller's savepoint, for one request or for every request
of one tenant in a group commit (`insert_writes`). Per call: one lookup of existing ids (SR-4),
one of earlier voiding statements (SR-20), one multi-row intern of new keys, one multi-row
INSERT each for statement rows and index rows, one lookup of earlier referrers (SR-43), one
read of the activities being merged (RS-4) and an agents upsert only for agents not seen
before (RS-6). Each row keeps its own key ids (`key_ids`), so a reference copies its target's
keys with one indexed read instead of scanning the index.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from typing import Any, NamedTuple

import orjson

from service.model.errors import ConflictError
from service.model.statements import (
    KeyKind,
    NewStatement,
    StatementWrite,
    StoredAttachment,
    Uploaded,
)
from service.store.sqlite.agents import upsert_agents
from service.store.sqlite.bulk import insert_rows
from service.store.sqlite.outbox import enqueue
from service.store.sqlite.write_caches import WriteCaches
from service.xapi.activities import merge_definition
from service.xapi.attachment_parts import uploaded_with
from service.xapi.equivalence import statements_equivalent
from service.xapi.timestamps import format_ms

_IN_CHUNK = 500  # ids per IN (...) list

_INSERT_STATEMENT = (
    "INSERT INTO statements "
    "(seq, tenant, id, stored, voided, ref_target, voids, body, key_ids, uploaded)"
)
_INSERT_KEY = "INSERT OR IGNORE INTO statement_keys (key_id, seq)"


def _chunks(values: list[str]) -> Iterator[list[str]]:
    for start in range(0, len(values), _IN_CHUNK):
        yield values[start : start + _IN_CHUNK]


def _lookup(conn: sqlite3.Connection, sql: str, tenant: str, values: list[str]) -> list[Any]:
    """Rows of `sql` (with one `{marks}` IN list) for every chunk of `values`."""
    rows: list[Any] = []
    for chunk in _chunks(values):
        marks = ",".join("?" * len(chunk))
        rows += conn.execute(sql.format(marks=marks), [tenant, *chunk]).fetchall()
    return rows


class _Fresh(NamedTuple):
    """A statement to insert, its `stored` and the attachment data sent with it (AT-20)."""

    new: NewStatement
    stored_ms: int
    uploaded: Uploaded


def insert_statements(
    conn: sqlite3.Connection, caches: WriteCaches, write: StatementWrite, stored_ms: int
) -> list[str]:
    """Insert one batch inside the caller's savepoint; raise ConflictError to reject it (SR-4)."""
    ok, value = insert_writes(conn, caches, [write], lambda: stored_ms)[0]
    if not ok:
        raise value
    ids: list[str] = value
    return ids


def insert_writes(
    conn: sqlite3.Connection,
    caches: WriteCaches,
    writes: list[StatementWrite],
    next_stored_ms: Callable[[], int],
) -> list[tuple[bool, Any]]:
    """Insert several requests' batches (one tenant) as if one after another, in one pass.

    Each write is all-or-nothing: one that conflicts (SR-4) is answered with its ConflictError
    and writes nothing; the others are stored with their own, non-decreasing `stored`.
    Returns (True, ids) or (False, error) per write, in order.
    """
    tenant = writes[0].tenant
    ids = list(dict.fromkeys(new.id for write in writes for new in write.statements))
    existing = {
        statement_id: orjson.loads(body)
        for statement_id, body in _lookup(
            conn,
            "SELECT id, body FROM statements WHERE tenant = ? AND id IN ({marks})",
            tenant,
            ids,
        )
    }
    results: list[tuple[bool, Any]] = []
    fresh: list[_Fresh] = []
    attachments: list[StoredAttachment] = []
    for write in writes:
        accepted = _fresh_statements(write, existing)
        if isinstance(accepted, ConflictError):
            results.append((False, accepted))
            continue
        stored_ms = next_stored_ms()
        sent = frozenset(a.sha2.lower() for a in write.attachments)
        fresh += [_Fresh(new, stored_ms, uploaded_with(new.statement, sent)) for new in accepted]
        existing.update((new.id, new.statement) for new in accepted)
        attachments += write.attachments
        results.append((True, [new.id for new in write.statements]))
    if fresh:
        _insert_fresh(conn, caches, tenant, fresh)
        newest_stored_ms = fresh[-1].stored_ms
        inserted = [(f.new.seq, f.new) for f in fresh if f.new.seq is not None]
        enqueue(conn, tenant, inserted, newest_stored_ms)  # forwarding outbox (issue 5)
    if attachments:
        insert_rows(
            conn,
            "INSERT OR IGNORE INTO attachments (tenant, sha2, content_type, data)",
            [(tenant, a.sha2, a.content_type, a.data) for a in attachments],
        )
    return results


def _fresh_statements(
    write: StatementWrite, existing: dict[str, dict[str, Any]]
) -> list[NewStatement] | ConflictError:
    """The statements not stored yet; equivalent re-posts are skipped, others conflict.

    A repeated id inside the write counts as a re-post of its first occurrence (SR-4).
    """
    fresh = []
    in_write: dict[str, dict[str, Any]] = {}
    for new in write.statements:
        stored = existing.get(new.id) or in_write.get(new.id)
        if stored is None:
            fresh.append(new)
            in_write[new.id] = new.statement
        elif not statements_equivalent(stored, new.statement):
            return ConflictError(f"statement {new.id} already exists with different content")
    return fresh


def _authority_key(new: NewStatement) -> tuple[KeyKind, str] | None:
    """The `statements/read/mine` key (AU-5); kept apart because references never inherit it."""
    authority = new.index.authority
    return None if authority is None else (KeyKind.AUTHORITY, authority)


def _own_key_ids(
    conn: sqlite3.Connection, caches: WriteCaches, tenant: str, fresh: list[NewStatement]
) -> tuple[list[set[int]], list[int | None]]:
    """Interned ids of each statement's inheritable keys and of its authority key."""
    ids = caches.keys.of_tenant(tenant)
    wanted = {key for new in fresh for key in new.index.keys}
    wanted.update(key for new in fresh if (key := _authority_key(new)) is not None)
    missing = {key for key in wanted if key not in ids}
    if missing:
        caches.keys.resolve(conn, tenant, missing)
    authority_ids = [None if (key := _authority_key(new)) is None else ids[key] for new in fresh]
    return [{ids[key] for key in new.index.keys} for new in fresh], authority_ids


def _insert_fresh(
    conn: sqlite3.Connection, caches: WriteCaches, tenant: str, fresh_with_stored: list[_Fresh]
) -> None:
    fresh = [f.new for f in fresh_with_stored]
    plain_ids = [new.id for new in fresh if new.index.voids is None]
    voided = {
        row[0]
        for row in _lookup(
            conn,
            "SELECT voids FROM statements WHERE tenant = ? AND voids IN ({marks})",
            tenant,
            plain_ids,
        )
    }
    voided.update(new.index.voids for new in fresh if new.index.voids is not None)
    seq = int(conn.execute("SELECT coalesce(max(seq), 0) FROM statements").fetchone()[0])
    keys_by_id: dict[str, set[int]] = {}
    rows: list[tuple[Any, ...]] = []
    key_rows: list[tuple[int, int]] = []
    own_keys, authority_ids = _own_key_ids(conn, caches, tenant, fresh)
    stored_ms, stored = 0, ""
    for (new, new_stored_ms, uploaded), keys, authority_id in zip(
        fresh_with_stored, own_keys, authority_ids, strict=True
    ):
        seq += 1
        new.seq = seq
        if new_stored_ms != stored_ms:
            stored_ms, stored = new_stored_ms, format_ms(new_stored_ms)
        index = new.index
        if index.ref_target is not None:
            keys |= keys_by_id.get(index.ref_target) or _stored_keys(conn, tenant, index.ref_target)
        keys_by_id[new.id] = keys
        statement = new.statement
        statement["stored"] = stored
        statement.setdefault("timestamp", stored)  # SR-11
        is_voided = int(index.voids is None and new.id in voided)
        rows.append(
            (
                seq,
                tenant,
                new.id,
                stored_ms,
                is_voided,
                index.ref_target,
                index.voids,
                orjson.dumps(statement),
                orjson.dumps(sorted(keys)),
                None if uploaded is None else " ".join(uploaded),
            )
        )
        key_rows += [(key_id, seq) for key_id in keys]
        if authority_id is not None:
            key_rows.append((authority_id, seq))
    insert_rows(conn, _INSERT_STATEMENT, rows)
    insert_rows(conn, _INSERT_KEY, key_rows)
    _propagate_to_referrers(conn, tenant, keys_by_id)
    voiding = [(tenant, new.index.voids) for new in fresh if new.index.voids is not None]
    if voiding:
        conn.executemany(
            "UPDATE statements SET voided = 1 WHERE tenant = ? AND id = ? AND voids IS NULL",
            voiding,
        )
    _merge_activities(conn, tenant, fresh)
    _record_agents(conn, caches, tenant, fresh)


def _stored_keys(conn: sqlite3.Connection, tenant: str, statement_id: str) -> set[int]:
    """Index keys of a stored statement, including those it inherited through references."""
    row = conn.execute(
        "SELECT key_ids FROM statements WHERE tenant = ? AND id = ?", (tenant, statement_id)
    ).fetchone()
    return set(orjson.loads(row[0])) if row is not None and row[0] is not None else set()


def _propagate_to_referrers(
    conn: sqlite3.Connection, tenant: str, keys_by_id: dict[str, set[int]]
) -> None:
    """Statements that referenced these before they arrived now match their filters (SR-43)."""
    pending = list(keys_by_id)
    while pending:
        referrers = _lookup(
            conn,
            "SELECT seq, id, ref_target, key_ids FROM statements "
            "WHERE tenant = ? AND ref_target IN ({marks})",
            tenant,
            pending,
        )
        pending = []
        for seq, referrer_id, target, stored_keys in referrers:
            own = keys_by_id.get(referrer_id) or set(orjson.loads(stored_keys or b"[]"))
            added = keys_by_id[target] - own
            if not added:
                continue
            own |= added
            keys_by_id[referrer_id] = own
            insert_rows(conn, _INSERT_KEY, [(key_id, seq) for key_id in added])
            conn.execute(
                "UPDATE statements SET key_ids = ? WHERE seq = ?", (orjson.dumps(sorted(own)), seq)
            )
            pending.append(referrer_id)


def _merge_activities(conn: sqlite3.Connection, tenant: str, fresh: list[NewStatement]) -> None:
    """Fold every carried definition into the canonical one; write only what changed (RS-4)."""
    incoming = [pair for new in fresh for pair in new.index.definitions]
    if not incoming:
        return
    wanted = list(dict.fromkeys(activity_id for activity_id, _ in incoming))
    stored = dict(
        _lookup(
            conn,
            "SELECT id, definition FROM activities WHERE tenant = ? AND id IN ({marks})",
            tenant,
            wanted,
        )
    )
    current: dict[str, dict[str, Any]] = {}
    changed: set[str] = set()
    for activity_id, definition in incoming:
        before = current.get(activity_id)
        if before is None:
            raw = stored.get(activity_id)
            before = orjson.loads(raw) if raw is not None else {}
            current[activity_id] = before
        if definition == before:  # the usual case: nothing new to merge
            continue
        merged = merge_definition(before, definition)
        if merged != before or activity_id not in stored:
            changed.add(activity_id)
        current[activity_id] = merged
    if changed:
        conn.executemany(
            "INSERT INTO activities (tenant, id, definition) VALUES (?, ?, ?) "
            "ON CONFLICT (tenant, id) DO UPDATE SET definition = excluded.definition",
            [(tenant, a, orjson.dumps(current[a])) for a in changed],
        )


def _record_agents(
    conn: sqlite3.Connection, caches: WriteCaches, tenant: str, fresh: list[NewStatement]
) -> None:
    """Upsert the agents these statements name, skipping those already recorded (RS-6)."""
    agents: list[dict[str, Any]] = []
    for new in fresh:
        agents += new.index.agents
    upsert_agents(conn, tenant, agents, caches.agents)

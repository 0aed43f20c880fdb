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
from service.xapi.attachment_parts import uploaded_with
from service.xapi.statement_batch import (
    KeySpread,
    Voiding,
    agent_sightings,
    inherited_keys,
    merged_definitions,
    not_stored_yet,
    stamped,
    stamped_body,
)
from service.xapi.timestamps import format_ms

_IN_CHUNK = 500  # ids per IN (...) list

_INSERT_STATEMENT = (
    "INSERT INTO statements "
    "(seq, tenant, id, stored, voided, ref_target, voids, body, key_ids, uploaded, ts_original)"
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
    existing: dict[str, dict[str, Any] | NewStatement] = {
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
        try:
            accepted = not_stored_yet(write.statements, existing)
        except ConflictError as exc:
            results.append((False, exc))
            continue
        stored_ms = next_stored_ms()
        sent = frozenset(a.sha2.lower() for a in write.attachments)
        fresh += [
            _Fresh(new, stored_ms, uploaded_with(new.content(), sent) if sent else None)
            for new in accepted
        ]
        existing.update((new.id, new) for new in accepted)
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


def _authority_key(new: NewStatement) -> tuple[KeyKind, str] | None:
    """The `statements/read/mine` key (AU-5); kept apart because references never inherit it."""
    authority = new.index.authority
    return None if authority is None else (KeyKind.AUTHORITY, authority)


def _own_key_ids(
    conn: sqlite3.Connection, caches: WriteCaches, tenant: str, fresh: list[NewStatement]
) -> tuple[list[set[int]], list[int | None]]:
    """Interned ids of each statement's inheritable keys and of its authority key."""
    ids = caches.keys.of_tenant(tenant)
    authority_keys = [_authority_key(new) for new in fresh]
    missing = {key for new in fresh for key in new.index.keys if key not in ids}
    missing.update(key for key in authority_keys if key is not None and key not in ids)
    if missing:
        caches.keys.resolve(conn, tenant, missing)
    authority_ids = [None if key is None else ids[key] for key in authority_keys]
    return [{ids[key] for key in new.index.keys} for new in fresh], authority_ids


def _insert_fresh(
    conn: sqlite3.Connection, caches: WriteCaches, tenant: str, fresh_with_stored: list[_Fresh]
) -> None:
    fresh = [f.new for f in fresh_with_stored]
    voiding = Voiding.of((new.id, new.index.voids) for new in fresh)
    targeted = _lookup(
        conn,
        "SELECT voids FROM statements WHERE tenant = ? AND voids IN ({marks})",
        tenant,
        list(voiding.exposed),
    )
    voided = voiding.voided(row[0] for row in targeted)
    seq = int(conn.execute("SELECT coalesce(max(seq), 0) FROM statements").fetchone()[0])
    own_keys, authority_ids = _own_key_ids(conn, caches, tenant, fresh)
    outside = {new.index.ref_target for new in fresh} - {new.id for new in fresh}
    keys_by_id = inherited_keys(
        [(new.id, new.index.ref_target, keys) for new, keys in zip(fresh, own_keys, strict=True)],
        _stored_keys(conn, tenant, outside),
    )
    rows: list[tuple[Any, ...]] = []
    key_rows: list[tuple[int, int]] = []
    stored_ms, stored = 0, ""
    for (new, new_stored_ms, uploaded), authority_id in zip(
        fresh_with_stored, authority_ids, strict=True
    ):
        seq += 1
        new.seq = seq
        if new_stored_ms != stored_ms:
            stored_ms, stored = new_stored_ms, format_ms(new_stored_ms)
        index = new.index
        keys = keys_by_id[new.id]
        new.stored = stored
        if new.body is None:
            new.statement = stamped(new.statement, stored)
            body = orjson.dumps(new.statement)
        else:  # the server that sent it stamps its own copy (statement_wire.apply_answer)
            body = stamped_body(new.body, stored, has_timestamp=new.has_timestamp)
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
                body,
                orjson.dumps(sorted(keys)),
                None if uploaded is None else " ".join(uploaded),
                new.original_timestamp,
            )
        )
        key_rows += [(key_id, seq) for key_id in keys]
        if authority_id is not None:
            key_rows.append((authority_id, seq))
    insert_rows(conn, _INSERT_STATEMENT, rows)
    insert_rows(conn, _INSERT_KEY, key_rows)
    _propagate_to_referrers(conn, tenant, keys_by_id)
    if voiding.targets:
        conn.executemany(
            "UPDATE statements SET voided = 1 WHERE tenant = ? AND id = ? AND voids IS NULL",
            [(tenant, target) for target in sorted(voiding.targets)],
        )
    _merge_activities(conn, caches, tenant, fresh)
    _record_agents(conn, caches, tenant, fresh)


def _stored_keys(
    conn: sqlite3.Connection, tenant: str, statement_ids: set[str | None]
) -> dict[str, set[int]]:
    """Index keys of stored statements, including those they inherited through references."""
    wanted = sorted(i for i in statement_ids if i is not None)
    rows = _lookup(
        conn,
        "SELECT id, key_ids FROM statements WHERE tenant = ? AND id IN ({marks})",
        tenant,
        wanted,
    )
    return {statement_id: set(orjson.loads(keys or b"[]")) for statement_id, keys in rows}


def _propagate_to_referrers(
    conn: sqlite3.Connection, tenant: str, keys_by_id: dict[str, set[int]]
) -> None:
    """Statements that referenced these before they arrived now match their filters (SR-43)."""
    spread = KeySpread(keys_by_id)
    while wanted := spread.wanted():
        referrers = _lookup(
            conn,
            "SELECT seq, id, ref_target, key_ids FROM statements "
            "WHERE tenant = ? AND ref_target IN ({marks})",
            tenant,
            wanted,
        )
        seqs = {referrer_id: seq for seq, referrer_id, _, _ in referrers}
        for referrer_id, added in spread.take(
            (referrer_id, target, set(orjson.loads(keys or b"[]")))
            for _, referrer_id, target, keys in referrers
        ):
            seq = seqs[referrer_id]
            insert_rows(conn, _INSERT_KEY, [(key_id, seq) for key_id in added])
            all_keys = orjson.dumps(sorted(spread.keys_of(referrer_id)))
            conn.execute("UPDATE statements SET key_ids = ? WHERE seq = ?", (all_keys, seq))


def _merge_activities(
    conn: sqlite3.Connection, caches: WriteCaches, tenant: str, fresh: list[NewStatement]
) -> None:
    """Fold every carried definition into the canonical one; write only what changed (RS-4).

    Canonical definitions come from the writer's cache, read from the file only on a miss.
    """
    incoming = [pair for new in fresh for pair in new.index.definitions]
    if not incoming:
        return
    known = caches.activities.of_tenant(tenant)
    missing = [
        a for a in dict.fromkeys(activity_id for activity_id, _ in incoming) if a not in known
    ]
    if missing:
        rows = _lookup(
            conn,
            "SELECT id, definition FROM activities WHERE tenant = ? AND id IN ({marks})",
            tenant,
            missing,
        )
        known.update((a, orjson.loads(raw)) for a, raw in rows)
    changed = merged_definitions(incoming, known)
    if changed:
        conn.executemany(
            "INSERT INTO activities (tenant, id, definition) VALUES (?, ?, ?) "
            "ON CONFLICT (tenant, id) DO UPDATE SET definition = excluded.definition",
            [(tenant, a, orjson.dumps(definition)) for a, definition in changed.items()],
        )
        known.update(changed)


def _record_agents(
    conn: sqlite3.Connection, caches: WriteCaches, tenant: str, fresh: list[NewStatement]
) -> None:
    """Upsert the agents these statements name, skipping those already recorded (RS-6)."""
    sightings = agent_sightings(agent for new in fresh for agent in new.index.agents)
    upsert_agents(conn, tenant, sightings, caches.agents)

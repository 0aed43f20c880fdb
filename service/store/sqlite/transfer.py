"""SQLite's Transfer: every kind of record out in chunks, and in idempotently (see the port).

Export runs on any connection (a read-only one, while the LRS serves the file); import runs in
the writer's transactions of an opened store, one chunk per transaction.
"""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import asdict, dataclass
from functools import partial
from typing import Any, TypeVar

import orjson

from service.model.statements import KeyKind
from service.model.tenancy import ErasureCounts
from service.store.ports.transfer import OUTCOME_KINDS, Cursor, Record, identity
from service.store.sqlite import outcome_transfer
from service.store.sqlite.bulk import insert_rows
from service.store.sqlite.write_caches import KeyInterner
from service.xapi.statement_index import index_statement

T = TypeVar("T")
Runner = Callable[[Callable[[sqlite3.Connection], T]], Awaitable[T]]
Row = tuple[Any, ...]

_LIMIT_COLUMNS = ("rate_per_second", "burst", "max_batch", "max_body")
_LIMIT_FIELDS = ("rate_per_second", "burst", "max_batch_statements", "max_body_bytes")
_TARGET_COLUMNS = (
    "id, tenant, name, kind, url, username, password, xapi_version, verbs, activity_prefixes, "
    "credentials, enabled, created, failures, next_attempt, last_error, delivered, last_delivered"
)
_MARK = "migration:"


def _limits(row: Row, start: int) -> dict[str, Any]:
    return {f: row[start + i] for i, f in enumerate(_LIMIT_FIELDS)}


def _limit_values(record: Record) -> list[Any]:
    return [record["limits"].get(f) for f in _LIMIT_FIELDS]


def _after(columns: str, cursor: Cursor) -> tuple[str, list[Any]]:
    """A keyset condition `(columns) > (cursor)` (no condition for the first chunk)."""
    if cursor is None:
        return "1", []
    values = list(cursor) if isinstance(cursor, list) else [cursor]
    marks = ", ".join("?" * len(values))
    return f"({columns}) > ({marks})", values


@dataclass(frozen=True, slots=True)
class _Table:
    """How one kind of record is exported: its table, the key its chunks follow (selected
    first), the other columns, and the record a row makes."""

    name: str
    key: tuple[str, ...]
    columns: str
    record: Callable[[Row], Record] | None  # None: statements, see _statement_records

    def cursor(self, row: Row) -> Cursor:
        return row[0] if len(self.key) == 1 else list(row[: len(self.key)])


def _document(r: Row) -> Record:
    names = ("tenant", "kind", "activity_id", "agent", "registration", "document_id")
    more = ("content_type", "content", "etag", "updated")
    return dict(zip(names + more, r[1:], strict=True))


def _target(r: Row) -> Record:
    return {
        "id": r[0],
        "tenant": r[1],
        "name": r[2],
        "kind": r[3],
        "url": r[4],
        "username": r[5],
        "password": r[6],
        "xapi_version": r[7],
        "filter": {
            "verbs": orjson.loads(r[8]),
            "activity_prefixes": orjson.loads(r[9]),
            "credentials": orjson.loads(r[10]),
        },
        "enabled": bool(r[11]),
        "created": r[12],
        "failures": r[13],
        "next_attempt": r[14],
        "last_error": r[15],
        "delivered": r[16],
        "last_delivered": r[17],
    }


_LIMITS = ", ".join(_LIMIT_COLUMNS)
_TABLES = {
    "tenants": _Table(
        "tenants",
        ("name",),
        f"enabled, created, {_LIMITS}",
        lambda r: {"name": r[0], "enabled": bool(r[1]), "created": r[2], "limits": _limits(r, 3)},
    ),
    "credentials": _Table(
        "credentials",
        ("key",),
        f"tenant, name, secret_hash, scopes, enabled, created, last_used, {_LIMITS}",
        lambda r: {
            "key": r[0],
            "tenant": r[1],
            "name": r[2],
            "secret_hash": r[3],
            "scopes": orjson.loads(r[4]),
            "enabled": bool(r[5]),
            "created": r[6],
            "last_used": r[7],
            "limits": _limits(r, 8),
        },
    ),
    "activities": _Table(
        "activities",
        ("tenant", "id"),
        "definition",
        lambda r: {"tenant": r[0], "id": r[1], "definition": r[2]},
    ),
    "agents": _Table(
        "agents",
        ("tenant", "key"),
        "ifi, names",
        lambda r: {
            "tenant": r[0],
            "key": r[1],
            "ifi": orjson.loads(r[2]),
            "names": orjson.loads(r[3]),
        },
    ),
    "attachments": _Table(
        "attachments",
        ("tenant", "sha2"),
        "content_type, data",
        lambda r: {"tenant": r[0], "sha2": r[1], "content_type": r[2], "data": r[3]},
    ),
    "documents": _Table(
        "documents",
        ("rowid",),
        "tenant, kind, activity_id, agent, registration, document_id, content_type, content, "
        "etag, updated",
        _document,
    ),
    "statements": _Table(
        "statements",
        ("seq",),
        "tenant, id, stored, voided, ref_target, voids, body, key_ids, uploaded",
        None,
    ),
    "forward_targets": _Table(
        "forward_targets", ("id",), _TARGET_COLUMNS.removeprefix("id, "), _target
    ),
    "outbox": _Table(
        "outbox",
        ("id",),
        "tenant, target_id, statement_id, attempts, dead, last_error, created",
        lambda r: {
            "tenant": r[1],
            "target_id": r[2],
            "statement_id": r[3],
            "attempts": r[4],
            "dead": bool(r[5]),
            "last_error": r[6],
            "created": r[7],
        },
    ),
    "erasures": _Table(
        "erasures",
        ("id",),
        "tenant, agent_hash, erased_by, erased, counts",
        lambda r: {
            "id": r[0],
            "tenant": r[1],
            "agent_hash": r[2],
            "erased_by": r[3],
            "erased": r[4],
            "counts": asdict(ErasureCounts(**orjson.loads(r[5]))),
        },
    ),
}


def _export(conn: sqlite3.Connection, kind: str, after: Cursor, limit: int) -> list[Record]:
    """The next chunk of `kind` after the cursor, in key order, each record with its `_c`."""
    if kind in OUTCOME_KINDS:
        return outcome_transfer.export(conn, kind, after, limit)
    table = _TABLES[kind]
    key = ", ".join(table.key)
    where, params = _after(key, after)
    rows = conn.execute(
        f"SELECT {key}, {table.columns} FROM {table.name} WHERE {where} ORDER BY {key} LIMIT ?",
        [*params, limit],
    ).fetchall()
    if table.record is None:
        return _statement_records(conn, rows)
    return [{**table.record(r), "_c": table.cursor(r)} for r in rows]


def _statement_records(conn: sqlite3.Connection, rows: list[Row]) -> list[Record]:
    """Statements with their index keys and authority; erased ones' tombstones left out."""
    key_ids = sorted({k for r in rows for k in orjson.loads(r[8] or b"[]")})
    keys: dict[int, list[Any]] = {}
    for start in range(0, len(key_ids), 500):
        part = key_ids[start : start + 500]
        marks = ", ".join("?" * len(part))
        for key_id, kind, key in conn.execute(
            f"SELECT key_id, kind, key FROM index_keys WHERE key_id IN ({marks})", part
        ):
            keys[key_id] = [kind, key]
    records = []
    for r in rows:
        if not r[1]:  # an erased statement's tombstone (it only keeps `seq` growing)
            continue
        body = bytes(r[7])
        records.append(
            {
                "tenant": r[1],
                "id": r[2],
                "stored": r[3],
                "voided": bool(r[4]),
                "ref": r[5],
                "voids": r[6],
                "body": body,
                "keys": sorted(keys[k] for k in orjson.loads(r[8] or b"[]") if k in keys),
                "authority": index_statement(orjson.loads(body)).authority,
                "uploaded": None if r[9] is None else [s for s in r[9].split(" ") if s],
                "_c": r[0],
            }
        )
    if rows and not records:  # only tombstones: still move the cursor on
        return [{"_c": rows[-1][0], "_skip": True}]
    if records and rows[-1][0] != records[-1]["_c"]:
        records[-1]["_c"] = rows[-1][0]
    return records


def _import(
    conn: sqlite3.Connection, interner: KeyInterner, kind: str, records: list[Record]
) -> int:
    if kind == "statements":
        return _import_statements(conn, interner, records)
    if kind == "outbox":
        return _import_outbox(conn, records)
    if kind in OUTCOME_KINDS:
        return outcome_transfer.import_new(conn, kind, records)
    before = conn.total_changes
    rows, head = _rows(kind, records)
    for row in rows:
        conn.execute(head, row)
    return conn.total_changes - before


def _rows(kind: str, records: list[Record]) -> tuple[list[list[Any]], str]:
    """Rows and the INSERT OR IGNORE statement of the simple kinds (the natural key decides)."""
    if kind == "tenants":
        return [[r["name"], int(r["enabled"]), r["created"], *_limit_values(r)] for r in records], (
            f"INSERT INTO tenants (name, enabled, created, {', '.join(_LIMIT_COLUMNS)}) "
            "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (name) DO UPDATE SET "
            "enabled = excluded.enabled, created = excluded.created, "
            + ", ".join(f"{c} = excluded.{c}" for c in _LIMIT_COLUMNS)
        )
    if kind == "credentials":
        return [
            [
                r["key"],
                r["tenant"],
                r["name"],
                r["secret_hash"],
                orjson.dumps(r["scopes"]).decode(),
                int(r["enabled"]),
                r["created"],
                r["last_used"],
                *_limit_values(r),
            ]
            for r in records
        ], (
            "INSERT OR IGNORE INTO credentials (key, tenant, name, secret_hash, scopes, enabled, "
            f"created, last_used, {', '.join(_LIMIT_COLUMNS)}) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        )
    if kind == "activities":
        return [[r["tenant"], r["id"], r["definition"]] for r in records], (
            "INSERT OR IGNORE INTO activities (tenant, id, definition) VALUES (?, ?, ?)"
        )
    if kind == "agents":
        return [
            [r["tenant"], r["key"], orjson.dumps(r["ifi"]), orjson.dumps(r["names"]).decode()]
            for r in records
        ], "INSERT OR IGNORE INTO agents (tenant, key, ifi, names) VALUES (?, ?, ?, ?)"
    if kind == "attachments":
        return [[r["tenant"], r["sha2"], r["content_type"], r["data"]] for r in records], (
            "INSERT OR IGNORE INTO attachments (tenant, sha2, content_type, data) "
            "VALUES (?, ?, ?, ?)"
        )
    if kind == "documents":
        names = (
            "tenant",
            "kind",
            "activity_id",
            "agent",
            "registration",
            "document_id",
            "content_type",
            "content",
            "etag",
            "updated",
        )
        return [[r[n] for n in names] for r in records], (
            f"INSERT OR IGNORE INTO documents ({', '.join(names)}) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        )
    if kind == "forward_targets":
        return [
            [
                r["id"],
                r["tenant"],
                r["name"],
                r["kind"],
                r["url"],
                r["username"],
                r["password"],
                r["xapi_version"],
                orjson.dumps(r["filter"]["verbs"]).decode(),
                orjson.dumps(r["filter"]["activity_prefixes"]).decode(),
                orjson.dumps(r["filter"]["credentials"]).decode(),
                int(r["enabled"]),
                r["created"],
                r["failures"],
                r["next_attempt"],
                r["last_error"],
                r["delivered"],
                r["last_delivered"],
            ]
            for r in records
        ], (
            f"INSERT OR IGNORE INTO forward_targets ({_TARGET_COLUMNS}) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        )
    if kind == "erasures":
        return [
            [
                r["id"],
                r["tenant"],
                r["agent_hash"],
                r["erased_by"],
                r["erased"],
                orjson.dumps(r["counts"]).decode(),
            ]
            for r in records
        ], (
            "INSERT OR IGNORE INTO erasures (id, tenant, agent_hash, erased_by, erased, counts) "
            "VALUES (?, ?, ?, ?, ?, ?)"
        )
    raise ValueError(f"unknown kind of record: {kind}")


def _existing_ids(conn: sqlite3.Connection, tenant: str, ids: list[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(ids), 500):
        part = ids[start : start + 500]
        marks = ", ".join("?" * len(part))
        found.update(
            row[0]
            for row in conn.execute(
                f"SELECT id FROM statements WHERE tenant = ? AND id IN ({marks})", [tenant, *part]
            )
        )
    return found


def _import_statements(
    conn: sqlite3.Connection, interner: KeyInterner, records: list[Record]
) -> int:
    """New statements get the next `seq`s in the order given; keys interned as the writer does."""
    by_tenant: dict[str, list[str]] = {}
    for r in records:
        by_tenant.setdefault(r["tenant"], []).append(r["id"])
    existing = {t: _existing_ids(conn, t, ids) for t, ids in by_tenant.items()}
    fresh = [r for r in records if r["id"] not in existing[r["tenant"]]]
    seq = int(conn.execute("SELECT coalesce(max(seq), 0) FROM statements").fetchone()[0])
    rows: list[list[Any]] = []
    key_rows: list[tuple[int, int]] = []
    for r in fresh:
        tenant = r["tenant"]
        wanted = {(int(kind), key) for kind, key in r["keys"]}
        if r["authority"]:
            wanted.add((int(KeyKind.AUTHORITY), r["authority"]))
        ids = interner.of_tenant(tenant)
        missing = {k for k in wanted if k not in ids}
        if missing:
            interner.resolve(conn, tenant, missing)
        seq += 1
        inheritable = sorted(ids[(int(kind), key)] for kind, key in r["keys"])
        uploaded = r["uploaded"]
        rows.append(
            [
                seq,
                tenant,
                r["id"],
                r["stored"],
                int(r["voided"]),
                r["ref"],
                r["voids"],
                r["body"],
                orjson.dumps(inheritable),
                None if uploaded is None else " ".join(uploaded),
            ]
        )
        key_rows += [(ids[k], seq) for k in wanted]
    insert_rows(
        conn,
        "INSERT INTO statements (seq, tenant, id, stored, voided, ref_target, voids, body, "
        "key_ids, uploaded)",
        rows,
    )
    insert_rows(conn, "INSERT OR IGNORE INTO statement_keys (key_id, seq)", key_rows)
    return len(rows)


def _import_outbox(conn: sqlite3.Connection, records: list[Record]) -> int:
    """Rows find their statement's `seq` here; a row already there (target, seq) is skipped."""
    count = 0
    for r in records:
        found = conn.execute(
            "SELECT seq FROM statements WHERE tenant = ? AND id = ?",
            (r["tenant"], r["statement_id"]),
        ).fetchone()
        if found is None:
            continue
        there = conn.execute(
            "SELECT 1 FROM outbox WHERE target_id = ? AND seq = ?", (r["target_id"], found[0])
        ).fetchone()
        if there is not None:
            continue
        conn.execute(
            "INSERT INTO outbox (target_id, tenant, seq, statement_id, attempts, dead, last_error, "
            "created) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                r["target_id"],
                r["tenant"],
                found[0],
                r["statement_id"],
                r["attempts"],
                int(r["dead"]),
                r["last_error"],
                r["created"],
            ),
        )
        count += 1
    return count


class SQLiteTransfer:
    """Transfer over an SQLite file: `read` runs a job on a reading connection, `write` in a
    write transaction (None for a source opened read-only)."""

    def __init__(
        self, read: Runner[Any], write: Runner[Any] | None, interner: KeyInterner | None = None
    ) -> None:
        self._read = read
        self._write = write
        self._interner = interner or KeyInterner()

    async def export_records(
        self, kind: str, after: Cursor, limit: int
    ) -> tuple[list[Record], Cursor]:
        cursor = after
        while True:  # a chunk of erased statements' tombstones only: read on
            records: list[Record] = await self._read(
                partial(_export, kind=kind, after=cursor, limit=limit)
            )
            if not records:
                return [], cursor
            cursor = records[-1]["_c"]
            kept = [_clean(r) for r in records if not r.get("_skip")]
            if kept:
                return kept, cursor

    async def import_records(self, kind: str, records: list[Record]) -> int:
        if self._write is None:
            raise ValueError("this store was opened for reading only")
        interner = self._interner
        count: int = await self._write(lambda conn: _import(conn, interner, kind, records))
        return count

    async def identities(self, kind: str) -> AsyncIterator[tuple[str, str]]:
        cursor: Cursor = None
        while True:
            records, cursor = await self.export_records(kind, cursor, 5000)
            if not records:
                return
            for record in records:
                yield identity(kind, record)

    async def read_marks(self) -> dict[str, Cursor]:
        def job(conn: sqlite3.Connection) -> dict[str, Cursor]:
            rows = conn.execute(
                "SELECT name, value FROM meta WHERE name LIKE ?", (f"{_MARK}%",)
            ).fetchall()
            return {name.removeprefix(_MARK): orjson.loads(value) for name, value in rows}

        marks: dict[str, Cursor] = await self._read(job)
        return marks

    async def write_mark(self, kind: str, cursor: Cursor) -> None:
        if self._write is None:
            raise ValueError("this store was opened for reading only")
        value = orjson.dumps(cursor).decode()

        def job(conn: sqlite3.Connection) -> None:
            conn.execute(
                "INSERT INTO meta (name, value) VALUES (?, ?) "
                "ON CONFLICT (name) DO UPDATE SET value = excluded.value",
                (f"{_MARK}{kind}", value),
            )

        await self._write(job)

    async def uncopied(self) -> dict[str, int]:
        def job(conn: sqlite3.Connection) -> dict[str, int]:
            tables = [
                row[0]
                for row in conn.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table' "
                    "AND name LIKE 'outcome\\_%' ESCAPE '\\' ORDER BY name"
                )
                if row[0] not in outcome_transfer.COPIED_TABLES
            ]
            counts = {
                t: int(conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0]) for t in tables
            }
            return {t: n for t, n in counts.items() if n}

        found: dict[str, int] = await self._read(job)
        return found


def _clean(record: Record) -> Record:
    return {k: v for k, v in record.items() if k != "_c"}

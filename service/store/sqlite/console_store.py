"""SQLite's console ports: sessions (a table of their own) and the ingest overview's counts."""

from __future__ import annotations

import sqlite3

import orjson

from service.model.console import IngestDay, LastIngest, SessionRecord, SignedInPerson
from service.model.statements import KeyKind
from service.store.sqlite.database import SQLitePart

DAY_MS = 86_400_000
_COLUMNS = "id_hash, credential_key, secret_stamp, csrf_token, created, seen, person"


def _person_json(person: SignedInPerson | None) -> str | None:
    if person is None:
        return None
    return orjson.dumps(
        {
            "subject": person.subject,
            "name": person.name,
            "tenant": person.tenant,
            "scopes": list(person.scopes),
        }
    ).decode()


def _person(text: str | None) -> SignedInPerson | None:
    if text is None:
        return None
    data = orjson.loads(text)
    return SignedInPerson(data["subject"], data["name"], data["tenant"], tuple(data["scopes"]))


class SQLiteSessions(SQLitePart):
    """Console sessions; a lost session costs a sign-in, so writes need not wait for fsync."""

    async def add_session(self, session: SessionRecord) -> None:
        row = (
            session.id_hash,
            session.credential_key,
            session.secret_stamp,
            session.csrf_token,
            session.created_ms,
            session.seen_ms,
            _person_json(session.person),
        )
        await self._write(
            lambda conn: conn.execute(
                f"INSERT INTO console_sessions ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)", row
            )
        )

    async def get_session(self, id_hash: str) -> SessionRecord | None:
        def job(conn: sqlite3.Connection) -> SessionRecord | None:
            row = conn.execute(
                f"SELECT {_COLUMNS} FROM console_sessions WHERE id_hash = ?", (id_hash,)
            ).fetchone()
            if row is None:
                return None
            found, key, stamp, csrf, created, seen, person = row
            return SessionRecord(found, key, stamp, csrf, created, seen, _person(person))

        return await self._read(job)

    async def touch_session(self, id_hash: str, seen_ms: int) -> None:
        await self._write(
            lambda conn: conn.execute(
                "UPDATE console_sessions SET seen = max(seen, ?) WHERE id_hash = ?",
                (seen_ms, id_hash),
            ),
            durable=False,
        )

    async def remove_session(self, id_hash: str) -> None:
        await self._write(
            lambda conn: conn.execute("DELETE FROM console_sessions WHERE id_hash = ?", (id_hash,))
        )

    async def remove_sessions_before(self, seen_before_ms: int, created_before_ms: int) -> int:
        def job(conn: sqlite3.Connection) -> int:
            cursor = conn.execute(
                "DELETE FROM console_sessions WHERE seen < ? OR created < ?",
                (seen_before_ms, created_before_ms),
            )
            return cursor.rowcount

        return await self._write(job)


class SQLiteIngestStats(SQLitePart):
    """Counts by the authority index key, which every stored statement carries (AU-5)."""

    async def ingest_days(self, tenant: str, since_ms: int) -> list[IngestDay]:
        def job(conn: sqlite3.Connection) -> list[IngestDay]:
            rows = conn.execute(
                # Per authority key, its statements from the window's first `seq` on (a range
                # of the primary key), then each one's `stored`: one lookup per statement in
                # the window, whatever a platform's history before it.
                "SELECT k.key, s.stored / ? * ? AS day, count(*) FROM index_keys k "
                "JOIN statement_keys sk ON sk.key_id = k.key_id AND sk.seq >= "
                "(SELECT min(seq) FROM statements WHERE tenant = ? AND stored >= ?) "
                "JOIN statements s ON s.seq = sk.seq "
                "WHERE k.tenant = ? AND k.kind = ? AND s.stored >= ? "
                "GROUP BY k.key, day ORDER BY day, k.key",
                (DAY_MS, DAY_MS, tenant, since_ms, tenant, int(KeyKind.AUTHORITY), since_ms),
            ).fetchall()
            return [IngestDay(key, int(day), int(count)) for key, day, count in rows]

        return await self._read(job)

    async def last_ingest(self, tenant: str) -> list[LastIngest]:
        def job(conn: sqlite3.Connection) -> list[LastIngest]:
            rows = conn.execute(
                "SELECT k.key, (SELECT s.stored FROM statements s WHERE s.seq = "
                "(SELECT max(sk.seq) FROM statement_keys sk WHERE sk.key_id = k.key_id)) "
                "FROM index_keys k WHERE k.tenant = ? AND k.kind = ?",
                (tenant, int(KeyKind.AUTHORITY)),
            ).fetchall()
            return [LastIngest(key, int(ms)) for key, ms in rows if ms is not None]

        return await self._read(job)

"""SQLite's EvaluationLeaseStore: one row per lease in `leases`, taken by one upsert.

The writer runs each job under the cross-process write lock, so the compare-and-set of an
upsert whose update applies only to a free lease (or the holder's own) is atomic across every
process serving the file. The store's clock is the host's: every process on one file shares it.
Lease changes skip the fsync: after a power cut a lease is at worst lost, which frees it.
"""

from __future__ import annotations

import sqlite3

from service.model.clock import now_ms
from service.model.leases import Lease
from service.store.sqlite.database import SQLitePart

# A renewal (same holder, not yet expired) keeps the generation; any other take bumps it.
_TAKE = """
INSERT INTO leases (name, holder, expires, generation) VALUES (:name, :holder, :expires, 1)
ON CONFLICT (name) DO UPDATE SET
    generation = CASE WHEN holder = excluded.holder AND expires > :now
        THEN generation ELSE generation + 1 END,
    holder = excluded.holder,
    expires = excluded.expires
WHERE holder = excluded.holder OR expires <= :now
RETURNING holder, expires, generation
"""


def take(conn: sqlite3.Connection, name: str, holder: str, ttl_ms: int) -> Lease:
    now = now_ms()
    values = {"name": name, "holder": holder, "expires": now + ttl_ms, "now": now}
    row = conn.execute(_TAKE, values).fetchone()
    if row is None:
        row = conn.execute(
            "SELECT holder, expires, generation FROM leases WHERE name = ?", (name,)
        ).fetchone()
    current, expires, generation = row
    return Lease(name, current, expires - now, generation)


class SQLiteLeases(SQLitePart):
    """Leases shared by the processes serving one SQLite file."""

    async def acquire_lease(self, name: str, holder: str, ttl_ms: int) -> Lease:
        return await self._write(lambda conn: take(conn, name, holder, ttl_ms), durable=False)

    async def release_lease(self, name: str, holder: str) -> None:
        def job(conn: sqlite3.Connection) -> None:
            conn.execute(
                "UPDATE leases SET expires = 0 WHERE name = ? AND holder = ?", (name, holder)
            )

        await self._write(job, durable=False)

    async def read_lease(self, name: str) -> Lease | None:
        def job(conn: sqlite3.Connection) -> Lease | None:
            row = conn.execute(
                "SELECT holder, expires, generation FROM leases WHERE name = ?", (name,)
            ).fetchone()
            if row is None:
                return None
            holder, expires, generation = row
            return Lease(name, holder, expires - now_ms(), generation)

        return await self._read(job)

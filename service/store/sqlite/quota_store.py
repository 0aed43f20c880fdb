"""SQLite's QuotaStore: a GCRA arrival time per key in `quota_state`, updated by the writer.

Every process serving the file writes under the same cross-process lock (see write_lock), so
the read-decide-write of one request is atomic across all of them. The jobs skip the fsync
(derived state: losing the last ones in a power cut only forgives a few requests).
"""

from __future__ import annotations

import sqlite3

from service.store.sqlite.database import SQLitePart


def take(
    conn: sqlite3.Connection, key: str, now_ms: float, interval_ms: float, tolerance_ms: float
) -> float:
    row = conn.execute("SELECT tat FROM quota_state WHERE key = ?", (key,)).fetchone()
    arrival = max(float(row[0]) if row is not None else 0.0, now_ms)
    ahead = arrival - now_ms
    if ahead > tolerance_ms:
        return ahead - tolerance_ms
    conn.execute(
        "INSERT INTO quota_state (key, tat) VALUES (?, ?) "
        "ON CONFLICT (key) DO UPDATE SET tat = excluded.tat",
        (key, arrival + interval_ms),
    )
    return 0.0


class SQLiteQuotas(SQLitePart):
    """Request-rate quotas shared by the processes serving one SQLite file."""

    async def take(self, key: str, now_ms: float, interval_ms: float, tolerance_ms: float) -> float:
        return await self._write(
            lambda conn: take(conn, key, now_ms, interval_ms, tolerance_ms), durable=False
        )

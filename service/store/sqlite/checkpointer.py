"""WAL checkpoints off the commit path.

With SQLite's automatic checkpoint the committing writer copies WAL pages into the database
file (and syncs it) inside its commit, every 1000 pages: at high ingest rates that is most
commits. The writer connection turns that off; this thread checkpoints PASSIVE-ly on its own
connection instead (never blocking the writer), so hot pages are copied once per interval
rather than once per commit. Under continuous writes a PASSIVE checkpoint never reaches the
end of the log, so the WAL would only grow (7 GB after 600k statements): once it passes
`truncate_bytes` the thread takes the write lock between two transactions and truncates it,
which costs little because the passive passes already copied almost everything. Durability is
unchanged: a commit is durable once its WAL frames are synced (synchronous=FULL).
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from pathlib import Path

from service.model.clock import now_ms
from service.store.sqlite.schema import connect
from service.store.sqlite.write_lock import WriteLock

log = logging.getLogger("service.store.sqlite")


class Checkpointer:
    """Runs `PRAGMA wal_checkpoint(PASSIVE)` every `interval` seconds until stopped."""

    def __init__(
        self, path: Path, *, interval: float = 0.5, truncate_bytes: int = 64 * 2**20
    ) -> None:
        self._path = path
        self._wal = path.with_name(path.name + "-wal")
        self._interval = interval
        self._truncate_bytes = truncate_bytes
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sqlite-checkpoint", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join()

    def _run(self) -> None:
        conn = connect(self._path, readonly=False, cache_mib=2)
        lock = WriteLock(self._path)
        try:
            while not self._stopping.wait(self._interval):
                self.checkpoint(conn)
                if self._wal_bytes() > self._truncate_bytes:
                    lock.acquire(now_ms())  # no writer in any process while the log restarts
                    try:
                        self.checkpoint(conn, "TRUNCATE")
                    finally:
                        lock.release()
            self.checkpoint(conn, "TRUNCATE")
        finally:
            lock.close()
            conn.close()

    def _wal_bytes(self) -> int:
        try:
            return self._wal.stat().st_size
        except FileNotFoundError:
            return 0

    @staticmethod
    def checkpoint(conn: sqlite3.Connection, mode: str = "PASSIVE") -> None:
        try:
            conn.execute(f"PRAGMA wal_checkpoint({mode})").fetchone()
        except sqlite3.Error as exc:  # a busy or failed checkpoint is retried next interval
            log.warning("WAL checkpoint failed: %s", exc)

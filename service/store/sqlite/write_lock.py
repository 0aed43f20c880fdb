"""One write transaction at a time across every process serving the same SQLite file.

SQLite already allows a single writer, but a process that finds the file locked sleeps and
polls (busy_timeout). A blocking `flock` on a side file instead wakes the next writer the moment
the previous one commits, so each worker process's group commit follows the other's directly.

The lock file also holds, while a transaction runs, the instant it started (8 bytes, shared
memory): every process derives X-Experience-API-Consistent-Through from it (T-18), and since
`stored` is assigned inside the lock from the newest stored value in the file, `stored` never
decreases in `seq` order whichever process writes (SR-12, SR-45).

Two more slots keep the writers' caches (`write_caches`) right across processes: which writer
last stored statements (canonical activity definitions change only then), and an epoch that
a write deleting what caches remember (erasure, tenant removal) moves on.
"""

from __future__ import annotations

import fcntl
import mmap
import os
import secrets
import struct
from pathlib import Path

_SLOT = struct.Struct("<q")
_STARTED, _STATEMENTS, _EPOCH = 0, _SLOT.size, 2 * _SLOT.size
_SIZE = 3 * _SLOT.size


class WriteLock:
    """An exclusive cross-process lock with a shared 'transaction started at' slot."""

    def __init__(self, database: Path) -> None:
        self.path = database.with_name(database.name + "-writelock")
        self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        if os.fstat(self._fd).st_size < _SIZE:
            os.ftruncate(self._fd, _SIZE)
        self._map = mmap.mmap(self._fd, _SIZE)
        self._token = secrets.randbits(63) or 1

    def acquire(self, started_ms: int) -> None:
        """Block until no other writer holds the lock; publish `started_ms`."""
        fcntl.flock(self._fd, fcntl.LOCK_EX)
        _SLOT.pack_into(self._map, _STARTED, started_ms)

    def release(self) -> None:
        _SLOT.pack_into(self._map, _STARTED, 0)
        fcntl.flock(self._fd, fcntl.LOCK_UN)

    def transaction_started_ms(self) -> int | None:
        """When the write transaction now running (in any process) started; None if none."""
        value: int = _SLOT.unpack_from(self._map, _STARTED)[0]
        return value or None

    def claim_statements(self) -> bool:
        """While holding the lock: record that this holder stores statements; return whether
        another holder did since this one last did (always True the first time)."""
        others: bool = _SLOT.unpack_from(self._map, _STATEMENTS)[0] != self._token
        _SLOT.pack_into(self._map, _STATEMENTS, self._token)
        return others

    def epoch(self) -> int:
        value: int = _SLOT.unpack_from(self._map, _EPOCH)[0]
        return value

    def next_epoch(self) -> int:
        """While holding the lock: move the epoch on (what writers remember may be gone)."""
        value = self.epoch() + 1
        _SLOT.pack_into(self._map, _EPOCH, value)
        return value

    def close(self) -> None:
        self._map.close()
        os.close(self._fd)

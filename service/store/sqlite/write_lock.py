"""One write transaction at a time across every process serving the same SQLite file.

SQLite already allows a single writer, but a process that finds the file locked sleeps and
polls (busy_timeout). A blocking `flock` on a side file instead wakes the next writer the moment
the previous one commits, so each worker process's group commit follows the other's directly.

The lock file also holds, while a transaction runs, the instant it started (8 bytes, shared
memory): every process derives X-Experience-API-Consistent-Through from it (T-18), and since
`stored` is assigned inside the lock from the newest stored value in the file, `stored` never
decreases in `seq` order whichever process writes (SR-12, SR-45).

A second slot names the last holder that wrote: a writer whose caches describe the file as it
left it learns at `acquire` whether another process wrote in between.
"""

from __future__ import annotations

import fcntl
import mmap
import os
import secrets
import struct
from pathlib import Path

_SLOT = struct.Struct("<q")
_HOLDER_AT = _SLOT.size
_SIZE = 2 * _SLOT.size


class WriteLock:
    """An exclusive cross-process lock with a shared 'transaction started at' slot."""

    def __init__(self, database: Path) -> None:
        self.path = database.with_name(database.name + "-writelock")
        self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        if os.fstat(self._fd).st_size < _SIZE:
            os.ftruncate(self._fd, _SIZE)
        self._map = mmap.mmap(self._fd, _SIZE)
        self._token = secrets.randbits(63) or 1

    def acquire(self, started_ms: int, *, writes: bool = True) -> bool:
        """Block until no other writer holds the lock; publish `started_ms`.

        Returns whether another holder wrote since this one last did (always True the first
        time). `writes=False` takes the lock without claiming to change the data.
        """
        fcntl.flock(self._fd, fcntl.LOCK_EX)
        _SLOT.pack_into(self._map, 0, started_ms)
        others_wrote: bool = _SLOT.unpack_from(self._map, _HOLDER_AT)[0] != self._token
        if writes:
            _SLOT.pack_into(self._map, _HOLDER_AT, self._token)
        return others_wrote

    def release(self) -> None:
        _SLOT.pack_into(self._map, 0, 0)
        fcntl.flock(self._fd, fcntl.LOCK_UN)

    def transaction_started_ms(self) -> int | None:
        """When the write transaction now running (in any process) started; None if none."""
        value: int = _SLOT.unpack_from(self._map, 0)[0]
        return value or None

    def close(self) -> None:
        self._map.close()
        os.close(self._fd)

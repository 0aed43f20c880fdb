"""Random (version 4) UUIDs drawn from pooled OS randomness.

`uuid.uuid4()` makes one getrandom() call per id, and CPython releases the GIL around it: on
the event loop that hands the GIL to the writer thread, and the loop then waits for it back
(a convoy that cost about a tenth of the loop's time under single-statement ingest). One call
here fills a buffer for 512 ids; each thread has its own buffer, and a forked child starts
with an empty one so that parent and child never hand out the same bytes.
"""

from __future__ import annotations

import os
import threading
import uuid

_IDS_PER_DRAW = 512


class _Pool(threading.local):
    def __init__(self) -> None:
        self.buffer = b""
        self.offset = 0


_pool = _Pool()


def _forget_pool() -> None:
    global _pool
    _pool = _Pool()


os.register_at_fork(after_in_child=_forget_pool)


def random_uuid() -> uuid.UUID:
    """A version 4 UUID with 122 random bits from the operating system's CSPRNG."""
    pool = _pool
    if pool.offset >= len(pool.buffer):
        pool.buffer = os.urandom(16 * _IDS_PER_DRAW)
        pool.offset = 0
    start = pool.offset
    pool.offset = start + 16
    return uuid.UUID(bytes=pool.buffer[start : start + 16], version=4)

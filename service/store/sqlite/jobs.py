"""The read/write job runners that SQLite adapter parts share with SQLiteStore."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


class SQLiteJobs:
    """Declares the runners SQLiteStore implements, for the mixins that add port methods."""

    async def _read(self, job: Callable[[sqlite3.Connection], T]) -> T:
        raise NotImplementedError

    async def _write(self, job: Callable[[sqlite3.Connection], T], *, durable: bool = True) -> T:
        raise NotImplementedError

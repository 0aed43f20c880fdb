"""Multi-row INSERTs: one SQLite call per chunk instead of one per row.

`executemany` steps once per row, and the sqlite3 module releases and retakes the GIL around
every step; with the event loop busy in the other thread each retake can wait a whole switch
interval. One statement with many VALUES tuples costs one release.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any

MAX_VARIABLES = 30_000  # SQLite >= 3.32 allows 32766 per statement


def insert_rows(conn: sqlite3.Connection, head: str, rows: Sequence[Sequence[Any]]) -> None:
    """Run `head VALUES (...), (...), ...` for all rows in as few statements as allowed."""
    if not rows:
        return
    width = len(rows[0])
    chunk = max(1, MAX_VARIABLES // width)
    tuple_marks = "(" + ",".join("?" * width) + ")"
    for start in range(0, len(rows), chunk):
        part = rows[start : start + chunk]
        params = [value for row in part for value in row]
        conn.execute(f"{head} VALUES {','.join([tuple_marks] * len(part))}", params)

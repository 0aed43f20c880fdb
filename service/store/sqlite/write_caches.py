"""What the writer remembers between transactions: interned key ids, agents already recorded
and canonical activity definitions.

Key ids and agent rows stay true once committed (ids are never reassigned, agent rows never
shrink) until an erasure or a tenant removal deletes them: those move the write lock's epoch
on, and every writer forgets everything at its next transaction. Activity definitions change
with every merge (RS-4): a writer forgets them when the write lock says that another one
stored statements since it last did. Entries made in a transaction that rolls back may be
wrong too: `forget()` drops everything then.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Collection
from itertools import islice
from typing import Any

_CHUNK = 300  # rows per multi-row INSERT (3 variables each, far below SQLite's limit)


def _trim(cache: dict[Any, Any], capacity: int) -> None:
    """Drop the older half once full (insertion order approximates age)."""
    if len(cache) >= capacity:
        for key in list(islice(cache, len(cache) // 2)):
            del cache[key]


class KeyInterner:
    """Maps a tenant's (kind, key) index keys to the integer ids the index tables use."""

    def __init__(self, capacity: int = 300_000) -> None:
        self._ids: dict[str, dict[tuple[int, str], int]] = {}
        self._capacity = capacity

    def of_tenant(self, tenant: str) -> dict[tuple[int, str], int]:
        """The cached ids of one tenant (read-only for callers); trimmed here, never later."""
        ids = self._ids.setdefault(tenant, {})
        _trim(ids, self._capacity)
        return ids

    def resolve(
        self, conn: sqlite3.Connection, tenant: str, missing: Collection[tuple[int, str]]
    ) -> None:
        """Create or find the ids of `missing` keys in the current transaction; cache them."""
        ids = self._ids.setdefault(tenant, {})
        pending = list(missing)
        for start in range(0, len(pending), _CHUNK):
            chunk = pending[start : start + _CHUNK]
            values = ",".join(["(?, ?, ?)"] * len(chunk))
            params = [part for kind, key in chunk for part in (tenant, int(kind), key)]
            rows = conn.execute(
                f"INSERT INTO index_keys (tenant, kind, key) VALUES {values} "
                "ON CONFLICT (tenant, kind, key) DO UPDATE SET kind = kind "
                "RETURNING kind, key, key_id",
                params,
            ).fetchall()
            for kind, key, key_id in rows:
                ids[(kind, key)] = key_id

    def forget(self) -> None:
        self._ids.clear()


class AgentsSeen:
    """(tenant, agent key, name) triples whose agents-table upsert has already been done."""

    def __init__(self, capacity: int = 200_000) -> None:
        self._seen: dict[tuple[str, str, str | None], None] = {}
        self._capacity = capacity

    def __contains__(self, item: tuple[str, str, str | None]) -> bool:
        return item in self._seen

    def add(self, item: tuple[str, str, str | None]) -> None:
        _trim(self._seen, self._capacity)
        self._seen[item] = None

    def forget(self) -> None:
        self._seen.clear()


class ActivityDefinitions:
    """Per tenant, the canonical definition stored for each activity id this writer has read or
    written (activities stored without a definition have no row, so none here either)."""

    def __init__(self, capacity: int = 20_000) -> None:
        self._known: dict[str, dict[str, dict[str, Any]]] = {}
        self._capacity = capacity

    def of_tenant(self, tenant: str) -> dict[str, dict[str, Any]]:
        """The tenant's cached definitions, for callers to read and update in place."""
        known = self._known.setdefault(tenant, {})
        _trim(known, self._capacity)
        return known

    def forget(self) -> None:
        self._known.clear()


class WriteCaches:
    """The caches one writer connection keeps; cleared together when they may be wrong."""

    def __init__(self) -> None:
        self.keys = KeyInterner()
        self.agents = AgentsSeen()
        self.activities = ActivityDefinitions()

    def forget(self) -> None:
        self.keys.forget()
        self.agents.forget()
        self.activities.forget()

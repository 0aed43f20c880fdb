"""The agents side table: every identified agent seen in a statement and its names (RS-6, SR-7)."""

from __future__ import annotations

import sqlite3

import orjson

from service.model.documents import MAX_NAMES, KnownAgent
from service.store.sqlite.write_caches import AgentsSeen
from service.xapi.statement_batch import AgentSighting

_UPSERT = (
    "INSERT INTO agents (tenant, key, ifi, names) "
    "VALUES (:tenant, :key, :ifi, CASE WHEN :name IS NULL THEN '[]' ELSE json_array(:name) END) "
    "ON CONFLICT (tenant, key) DO UPDATE SET names = json_insert(agents.names, '$[#]', :name) "
    f"WHERE :name IS NOT NULL AND json_array_length(agents.names) < {MAX_NAMES} "
    "AND NOT EXISTS (SELECT 1 FROM json_each(agents.names) WHERE json_each.value = :name)"
)


def upsert_agents(
    conn: sqlite3.Connection,
    tenant: str,
    sightings: dict[str, AgentSighting],
    seen: AgentsSeen | None = None,
) -> None:
    """Record a batch's agents inside the statement's transaction (SR-7).

    Agents in `seen` were recorded by an earlier committed upsert and are skipped.
    """
    rows = []
    for key, sighting in sightings.items():
        ifi = orjson.dumps(sighting.ifi)
        names: list[str | None] = [*sighting.names] or [None]
        for name in names:
            if seen is not None:
                if (tenant, key, name) in seen:
                    continue
                seen.add((tenant, key, name))
            rows.append({"tenant": tenant, "key": key, "ifi": ifi, "name": name})
    if rows:
        conn.executemany(_UPSERT, rows)


def get_agent(conn: sqlite3.Connection, tenant: str, key: str) -> KnownAgent | None:
    row = conn.execute(
        "SELECT ifi, names FROM agents WHERE tenant = ? AND key = ?", (tenant, key)
    ).fetchone()
    if row is None:
        return None
    return KnownAgent(key=key, ifi=orjson.loads(row[0]), names=orjson.loads(row[1]))

"""Deleting a whole tenant from SQLite: every row of every table that carries its name.

Tables are found by their `tenant` column, so tables added later (outcome reports, console
sessions) go with the tenant too; console sessions and quota states, keyed by credential, go
with the tenant's credentials. The audit log and the erasure records stay: they are the
proof of what was done, and hold no statement data.
"""

from __future__ import annotations

import sqlite3

KEPT = frozenset({"audit", "erasures", "meta", "tenants"})


def tenant_tables(conn: sqlite3.Connection) -> list[str]:
    names = [
        row[0]
        for row in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    ]
    return sorted(
        name
        for name in names
        if name not in KEPT
        and any(column[1] == "tenant" for column in conn.execute(f'PRAGMA table_info("{name}")'))
    )


def delete_tenant(conn: sqlite3.Connection, tenant: str) -> dict[str, int]:
    """Delete the tenant and everything it holds in the caller's transaction; rows per table."""
    counts: dict[str, int] = {}
    counts["statement_keys"] = conn.execute(
        "DELETE FROM statement_keys WHERE key_id IN "
        "(SELECT key_id FROM index_keys WHERE tenant = ?)",
        (tenant,),
    ).rowcount
    for table, column in (("console_sessions", "credential_key"), ("quota_state", "key")):
        counts[table] = conn.execute(
            f'DELETE FROM "{table}" WHERE "{column}" IN '
            "(SELECT key FROM credentials WHERE tenant = ?)",
            (tenant,),
        ).rowcount
    for table in tenant_tables(conn):
        counts[table] = conn.execute(f'DELETE FROM "{table}" WHERE tenant = ?', (tenant,)).rowcount
    counts["tenants"] = conn.execute("DELETE FROM tenants WHERE name = ?", (tenant,)).rowcount
    return {table: count for table, count in counts.items() if count}

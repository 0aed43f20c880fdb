"""Tenant and credential operations on SQLite connections (issue 5)."""

from __future__ import annotations

import sqlite3
from typing import Any

import orjson

from service.model.errors import ConflictError, NotFoundError
from service.model.tenancy import (
    CredentialChanges,
    CredentialRecord,
    Limits,
    PreviousSecret,
    TenantRecord,
)

_TENANT_COLUMNS = "name, enabled, created, rate_per_second, burst, max_batch, max_body"
_CREDENTIAL_COLUMNS = (
    "key, tenant, name, secret_hash, scopes, enabled, created, last_used, "
    "rate_per_second, burst, max_batch, max_body, previous_secret_hash, previous_until"
)


def _limits(row: Any, start: int) -> Limits:
    return Limits(
        rate_per_second=row[start],
        burst=row[start + 1],
        max_batch_statements=row[start + 2],
        max_body_bytes=row[start + 3],
    )


def _limit_values(limits: Limits) -> tuple[Any, ...]:
    return (
        limits.rate_per_second,
        limits.burst,
        limits.max_batch_statements,
        limits.max_body_bytes,
    )


def _previous_values(previous: PreviousSecret | None) -> tuple[str | None, int | None]:
    return (None, None) if previous is None else (previous.secret_hash, previous.until_ms)


def _tenant(row: Any) -> TenantRecord:
    return TenantRecord(
        name=row[0], enabled=bool(row[1]), created_ms=row[2], limits=_limits(row, 3)
    )


def _credential(row: Any) -> CredentialRecord:
    return CredentialRecord(
        key=row[0],
        tenant=row[1],
        name=row[2],
        secret_hash=row[3],
        scopes=tuple(orjson.loads(row[4])),
        enabled=bool(row[5]),
        created_ms=row[6],
        last_used_ms=row[7],
        limits=_limits(row, 8),
        previous=PreviousSecret(row[12], row[13]) if row[12] is not None else None,
    )


def add_tenant(conn: sqlite3.Connection, tenant: TenantRecord) -> None:
    try:
        conn.execute(
            f"INSERT INTO tenants ({_TENANT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (tenant.name, int(tenant.enabled), tenant.created_ms, *_limit_values(tenant.limits)),
        )
    except sqlite3.IntegrityError:
        raise ConflictError(f"the tenant {tenant.name!r} already exists") from None


def get_tenant(conn: sqlite3.Connection, name: str) -> TenantRecord | None:
    row = conn.execute(f"SELECT {_TENANT_COLUMNS} FROM tenants WHERE name = ?", (name,)).fetchone()
    return _tenant(row) if row is not None else None


def list_tenants(conn: sqlite3.Connection) -> list[TenantRecord]:
    rows = conn.execute(f"SELECT {_TENANT_COLUMNS} FROM tenants ORDER BY name").fetchall()
    return [_tenant(row) for row in rows]


def update_tenant(
    conn: sqlite3.Connection, name: str, enabled: bool | None, limits: Limits | None
) -> TenantRecord:
    current = get_tenant(conn, name)
    if current is None:
        raise NotFoundError(f"no tenant named {name!r}")
    new_enabled = current.enabled if enabled is None else enabled
    new_limits = current.limits if limits is None else limits
    conn.execute(
        "UPDATE tenants SET enabled = ?, rate_per_second = ?, burst = ?, max_batch = ?, "
        "max_body = ? WHERE name = ?",
        (int(new_enabled), *_limit_values(new_limits), name),
    )
    return TenantRecord(name, new_enabled, current.created_ms, new_limits)


def add_credential(conn: sqlite3.Connection, credential: CredentialRecord) -> None:
    try:
        conn.execute(
            f"INSERT INTO credentials ({_CREDENTIAL_COLUMNS}) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                credential.key,
                credential.tenant,
                credential.name,
                credential.secret_hash,
                orjson.dumps(list(credential.scopes)).decode(),
                int(credential.enabled),
                credential.created_ms,
                credential.last_used_ms,
                *_limit_values(credential.limits),
                *_previous_values(credential.previous),
            ),
        )
    except sqlite3.IntegrityError:
        raise ConflictError(f"a credential with key {credential.key!r} already exists") from None


def get_credential(conn: sqlite3.Connection, key: str) -> CredentialRecord | None:
    row = conn.execute(
        f"SELECT {_CREDENTIAL_COLUMNS} FROM credentials WHERE key = ?", (key,)
    ).fetchone()
    return _credential(row) if row is not None else None


def list_credentials(conn: sqlite3.Connection, tenant: str | None) -> list[CredentialRecord]:
    sql = f"SELECT {_CREDENTIAL_COLUMNS} FROM credentials"
    params: tuple[str, ...] = ()
    if tenant is not None:
        sql += " WHERE tenant = ?"
        params = (tenant,)
    rows = conn.execute(sql + " ORDER BY created, key", params).fetchall()
    return [_credential(row) for row in rows]


def update_credential(
    conn: sqlite3.Connection, key: str, changes: CredentialChanges
) -> CredentialRecord:
    current = get_credential(conn, key)
    if current is None:
        raise NotFoundError(f"no credential with key {key!r}")
    name = current.name if changes.name is None else changes.name
    enabled = current.enabled if changes.enabled is None else changes.enabled
    secret_hash, previous = current.secret_hash, current.previous
    if changes.rotation is not None:
        secret_hash, previous = changes.rotation.secret_hash, changes.rotation.previous
    scopes = current.scopes if changes.scopes is None else changes.scopes
    limits = current.limits if changes.limits is None else changes.limits
    conn.execute(
        "UPDATE credentials SET name = ?, enabled = ?, secret_hash = ?, scopes = ?, "
        "rate_per_second = ?, burst = ?, max_batch = ?, max_body = ?, "
        "previous_secret_hash = ?, previous_until = ? WHERE key = ?",
        (
            name,
            int(enabled),
            secret_hash,
            orjson.dumps(list(scopes)).decode(),
            *_limit_values(limits),
            *_previous_values(previous),
            key,
        ),
    )
    updated = get_credential(conn, key)
    assert updated is not None
    return updated


def touch_credentials(conn: sqlite3.Connection, last_used: dict[str, int]) -> None:
    conn.executemany(
        "UPDATE credentials SET last_used = max(coalesce(last_used, 0), ?) WHERE key = ?",
        [(ms, key) for key, ms in last_used.items()],
    )

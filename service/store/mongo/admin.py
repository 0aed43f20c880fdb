"""Tenants and credentials on MongoDB (AU-1, issue 5): one document each, keyed by name/key."""

from __future__ import annotations

import contextlib
from dataclasses import asdict
from typing import Any

from pymongo import ASCENDING, ReturnDocument, UpdateOne
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from service.model.clock import now_ms
from service.model.errors import ConflictError, NotFoundError
from service.model.tenancy import (
    CredentialChanges,
    CredentialRecord,
    Limits,
    PreviousSecret,
    TenantRecord,
)
from service.store.mongo.client import Doc

DEFAULT_TENANT = "default"


def _limits(doc: Doc) -> Limits:
    return Limits(**doc.get("limits", {}))


def _tenant(doc: Doc) -> TenantRecord:
    return TenantRecord(
        name=doc["_id"],
        enabled=bool(doc["enabled"]),
        created_ms=doc["created"],
        limits=_limits(doc),
    )


def _credential(doc: Doc) -> CredentialRecord:
    return CredentialRecord(
        key=doc["_id"],
        tenant=doc["tenant"],
        name=doc["name"],
        secret_hash=doc["secret_hash"],
        scopes=tuple(doc["scopes"]),
        enabled=bool(doc["enabled"]),
        created_ms=doc["created"],
        last_used_ms=doc.get("last_used"),
        limits=_limits(doc),
        previous=_previous(doc.get("previous")),
    )


def _previous(doc: Doc | None) -> PreviousSecret | None:
    return PreviousSecret(doc["secret_hash"], doc["until"]) if doc else None


async def ensure_default_tenant(coll: AsyncCollection[Doc]) -> None:
    """The `default` tenant always exists; concurrent starts create it once."""
    with contextlib.suppress(DuplicateKeyError):
        await coll.update_one(
            {"_id": DEFAULT_TENANT},
            {"$setOnInsert": {"enabled": True, "created": now_ms(), "limits": {}}},
            upsert=True,
        )


async def add_tenant(coll: AsyncCollection[Doc], tenant: TenantRecord) -> None:
    doc = {
        "_id": tenant.name,
        "enabled": tenant.enabled,
        "created": tenant.created_ms,
        "limits": asdict(tenant.limits),
    }
    try:
        await coll.insert_one(doc)
    except DuplicateKeyError:
        raise ConflictError(f"the tenant {tenant.name!r} already exists") from None


async def get_tenant(coll: AsyncCollection[Doc], name: str) -> TenantRecord | None:
    doc = await coll.find_one({"_id": name})
    return _tenant(doc) if doc is not None else None


async def list_tenants(coll: AsyncCollection[Doc]) -> list[TenantRecord]:
    return [_tenant(doc) async for doc in coll.find().sort("_id", ASCENDING)]


async def update_tenant(
    coll: AsyncCollection[Doc], name: str, enabled: bool | None, limits: Limits | None
) -> TenantRecord:
    changes: dict[str, Any] = {}
    if enabled is not None:
        changes["enabled"] = enabled
    if limits is not None:
        changes["limits"] = asdict(limits)
    doc = await _change(coll, name, changes)
    if doc is None:
        raise NotFoundError(f"no tenant named {name!r}")
    return _tenant(doc)


async def _change(coll: AsyncCollection[Doc], key: str, changes: dict[str, Any]) -> Doc | None:
    """Apply `$set` changes in one atomic step and return the document after them."""
    if not changes:
        return await coll.find_one({"_id": key})
    return await coll.find_one_and_update(
        {"_id": key}, {"$set": changes}, return_document=ReturnDocument.AFTER
    )


async def add_credential(coll: AsyncCollection[Doc], credential: CredentialRecord) -> None:
    doc: Doc = {
        "_id": credential.key,
        "tenant": credential.tenant,
        "name": credential.name,
        "secret_hash": credential.secret_hash,
        "scopes": list(credential.scopes),
        "enabled": credential.enabled,
        "created": credential.created_ms,
        "limits": asdict(credential.limits),
    }
    if credential.last_used_ms is not None:
        doc["last_used"] = credential.last_used_ms
    if credential.previous is not None:
        previous = credential.previous
        doc["previous"] = {"secret_hash": previous.secret_hash, "until": previous.until_ms}
    try:
        await coll.insert_one(doc)
    except DuplicateKeyError:
        raise ConflictError(f"a credential with key {credential.key!r} already exists") from None


async def get_credential(coll: AsyncCollection[Doc], key: str) -> CredentialRecord | None:
    doc = await coll.find_one({"_id": key})
    return _credential(doc) if doc is not None else None


async def list_credentials(
    coll: AsyncCollection[Doc], tenant: str | None
) -> list[CredentialRecord]:
    where = {} if tenant is None else {"tenant": tenant}
    cursor = coll.find(where).sort([("created", ASCENDING), ("_id", ASCENDING)])
    return [_credential(doc) async for doc in cursor]


async def update_credential(
    coll: AsyncCollection[Doc], key: str, changes: CredentialChanges
) -> CredentialRecord:
    fields: dict[str, Any] = {
        name: value
        for name, value in (("name", changes.name), ("enabled", changes.enabled))
        if value is not None
    }
    if changes.rotation is not None:
        previous = changes.rotation.previous
        fields["secret_hash"] = changes.rotation.secret_hash
        fields["previous"] = (
            None
            if previous is None
            else {"secret_hash": previous.secret_hash, "until": previous.until_ms}
        )
    if changes.scopes is not None:
        fields["scopes"] = list(changes.scopes)
    if changes.limits is not None:
        fields["limits"] = asdict(changes.limits)
    doc = await _change(coll, key, fields)
    if doc is None:
        raise NotFoundError(f"no credential with key {key!r}")
    return _credential(doc)


async def touch_credentials(coll: AsyncCollection[Doc], last_used: dict[str, int]) -> None:
    """Record last-used instants in one write; `$max` never moves one backwards."""
    if last_used:
        await coll.bulk_write(
            [UpdateOne({"_id": key}, {"$max": {"last_used": ms}}) for key, ms in last_used.items()]
        )

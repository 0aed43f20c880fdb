"""Finishing what dead writers left: abort their uncommitted batches, settle committed ones."""

from __future__ import annotations

from pymongo.asynchronous.database import AsyncDatabase

from service.store.mongo import batches, schema
from service.store.mongo.client import Doc
from service.store.mongo.references import settle_references


async def recover(
    db: AsyncDatabase[Doc], tenant: str, counter: Doc | None, older_than_ms: int, own: str = ""
) -> int:
    """Resolve the tenant's batches marked longer than `older_than_ms` ago; how many there were.

    Idempotent, and safe while other processes do the same: an abort deletes only documents
    still carrying the dead batch's token, and settling repeats idempotent updates.
    """
    dead = batches.stale(counter, batches.PENDING, older_than_ms, own)
    for token in dead:
        await batches.abort(db, tenant, token)
    unsettled = batches.stale(counter, batches.SETTLING, older_than_ms, own)
    if unsettled:
        statements = db[schema.STATEMENTS]
        committed = await batches.snapshot(db, tenant)
        for token in unsettled:
            docs = await statements.find({"t": tenant, "p": token}).to_list()
            await settle_references(statements, tenant, docs, committed)
            await batches.settled(db, tenant, token)
    return len(dead) + len(unsettled)

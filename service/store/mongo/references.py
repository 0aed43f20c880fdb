"""Voiding and StatementRef propagation, settled after a batch is visible (SR-20..SR-22, SR-43).

Both relations can be completed by either side: the target may arrive before or after the
statement that refers to it, possibly in another process at the same moment. Each batch, once
its documents are committed, reads only committed documents and writes to both sides: it voids
its targets and looks for voiding statements aimed at it; it takes over its target's keys and
pushes its keys to its referrers. Of two concurrent batches, the one that commits second is
guaranteed to see the other, so no pair is ever missed. Every step is idempotent.
"""

from __future__ import annotations

from pymongo.asynchronous.collection import AsyncCollection

from service.store.mongo.client import Doc
from service.store.mongo.statement_docs import COMMITTED, inheritable_keys


async def settle_references(coll: AsyncCollection[Doc], tenant: str, docs: list[Doc]) -> None:
    """Apply voiding and key inheritance for committed statements of one batch."""
    await _void(coll, tenant, docs)
    keys = await _inherit(coll, tenant, docs)
    await _propagate(coll, tenant, keys)


async def _void(coll: AsyncCollection[Doc], tenant: str, docs: list[Doc]) -> None:
    """Void this batch's targets and this batch's statements already targeted (SR-20, SR-22)."""
    targets = {doc["voids"] for doc in docs if doc["voids"]}
    plain = [doc["id"] for doc in docs if not doc["voids"]]
    if plain:
        voiding = {"t": tenant, "voids": {"$in": plain}, "p": COMMITTED}
        targets.update(await coll.distinct("voids", voiding))
    if targets:
        await coll.update_many(
            {"t": tenant, "id": {"$in": sorted(targets)}, "voids": "", "voided": False},
            {"$set": {"voided": True}},
        )


async def _inherit(coll: AsyncCollection[Doc], tenant: str, docs: list[Doc]) -> dict[str, set[str]]:
    """Referring statements take over their target's keys; returns every statement's keys."""
    keys = {doc["id"]: inheritable_keys(doc) for doc in docs}
    refs = {doc["id"]: doc["ref"] for doc in docs if doc["ref"]}
    if not refs:
        return keys
    targets = {
        doc["id"]: inheritable_keys(doc)
        async for doc in coll.find(
            {"t": tenant, "id": {"$in": sorted(set(refs.values()))}, "p": COMMITTED},
            {"id": 1, "k": 1, "ak": 1},
        )
    }
    for statement_id, target in refs.items():
        extra = targets.get(target, set()) - keys[statement_id]
        if extra:
            keys[statement_id] |= extra
            await coll.update_one(
                {"t": tenant, "id": statement_id}, {"$addToSet": {"k": {"$each": sorted(extra)}}}
            )
    return keys


async def _referrers(coll: AsyncCollection[Doc], tenant: str, ids: list[str]) -> list[Doc]:
    return [doc async for doc in coll.find({"t": tenant, "ref": {"$in": ids}}, {"id": 1, "ref": 1})]


async def _propagate(coll: AsyncCollection[Doc], tenant: str, keys: dict[str, set[str]]) -> None:
    """Statements referring to these (recursively) match their filters too (SR-43)."""
    direct: dict[str, list[str]] = {}
    for doc in await _referrers(coll, tenant, list(keys)):
        direct.setdefault(doc["ref"], []).append(doc["id"])
    for statement_id, inherited in keys.items():
        seen = {statement_id}
        frontier = [rid for rid in direct.get(statement_id, []) if rid not in seen]
        while frontier and inherited:
            await coll.update_many(
                {"t": tenant, "id": {"$in": frontier}},
                {"$addToSet": {"k": {"$each": sorted(inherited)}}},
            )
            seen.update(frontier)
            found = await _referrers(coll, tenant, frontier)
            frontier = sorted({doc["id"] for doc in found} - seen)

"""Voiding and StatementRef propagation, settled after a batch is visible (SR-20..SR-22, SR-43).

Both relations can be completed by either side: the target may arrive before or after the
statement that refers to it, possibly in another process at the same moment. Each batch, once
committed, reads only statements committed in a snapshot taken after its own commit (see
`batches`) and writes to both sides: it voids
its targets and looks for voiding statements aimed at it; it takes over its target's keys and
pushes its keys to its referrers. Of two concurrent batches, the one that commits second is
guaranteed to see the other, so no pair is ever missed. Every step is idempotent.
"""

from __future__ import annotations

from pymongo.asynchronous.collection import AsyncCollection

from service.store.mongo.batches import Snapshot
from service.store.mongo.client import Doc
from service.store.mongo.statement_docs import inheritable_keys
from service.xapi.statement_batch import KeySpread, Voiding, inherited_keys


async def settle_references(
    coll: AsyncCollection[Doc], tenant: str, docs: list[Doc], committed: Snapshot
) -> None:
    """Apply voiding and key inheritance for committed statements of one batch; `committed`
    was taken after the batch's commit."""
    await _void(coll, tenant, docs, committed)
    keys = await _inherit(coll, tenant, docs, committed)
    await _propagate(coll, tenant, keys)


async def _void(
    coll: AsyncCollection[Doc], tenant: str, docs: list[Doc], committed: Snapshot
) -> None:
    """Void this batch's targets and this batch's statements already targeted (SR-20, SR-22)."""
    voiding = Voiding.of((doc["id"], doc["voids"] or None) for doc in docs)
    targeted: list[str] = []
    if voiding.exposed:
        earlier = {"t": tenant, "voids": {"$in": list(voiding.exposed)}, **committed.where()}
        # not `distinct`: the test server ignores a filter with operators there (see README)
        targeted = [doc["voids"] async for doc in coll.find(earlier, {"voids": 1})]
    voided = voiding.voided(targeted)
    if voided:
        await coll.update_many(
            {"t": tenant, "id": {"$in": sorted(voided)}, "voids": "", "voided": False},
            {"$set": {"voided": True}},
        )


async def _inherit(
    coll: AsyncCollection[Doc], tenant: str, docs: list[Doc], committed: Snapshot
) -> dict[str, set[str]]:
    """Referring statements take over their target's keys; returns every statement's keys."""
    refs = sorted({doc["ref"] for doc in docs if doc["ref"]})
    targets: dict[str, set[str]] = {}
    if refs:
        where = {"t": tenant, "id": {"$in": refs}, **committed.where()}
        async for doc in coll.find(where, {"id": 1, "k": 1, "ak": 1}):
            targets[doc["id"]] = inheritable_keys(doc)
    own = {doc["id"]: inheritable_keys(doc) for doc in docs}
    keys = inherited_keys(
        [(doc["id"], doc["ref"] or None, own[doc["id"]]) for doc in docs], targets
    )
    for statement_id, all_keys in keys.items():
        extra = all_keys - own[statement_id]
        if extra:
            await coll.update_one(
                {"t": tenant, "id": statement_id}, {"$addToSet": {"k": {"$each": sorted(extra)}}}
            )
    return keys


async def _propagate(coll: AsyncCollection[Doc], tenant: str, keys: dict[str, set[str]]) -> None:
    """Statements referring to these (recursively) match their filters too (SR-43)."""
    spread = KeySpread(keys)
    while wanted := spread.wanted():
        found = coll.find(
            {"t": tenant, "ref": {"$in": wanted}}, {"id": 1, "ref": 1, "k": 1, "ak": 1}
        )
        referrers = [(doc["id"], doc["ref"], inheritable_keys(doc)) async for doc in found]
        for referrer_id, added in spread.take(referrers):
            await coll.update_one(
                {"t": tenant, "id": referrer_id}, {"$addToSet": {"k": {"$each": sorted(added)}}}
            )

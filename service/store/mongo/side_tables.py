"""Side effects of newly stored statements: attachments, activity definitions, agents (SR-7).

Each write is safe against other processes without a transaction: attachments are
content-addressed upserts, agents are upserts plus a conditional `$push`, and a definition merge
is a compare-and-swap on the activity's revision `rev`, redone for the activities it lost.
"""

from __future__ import annotations

from typing import Any

import orjson
from pymongo import UpdateOne
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import BulkWriteError

from service.model.documents import MAX_NAMES
from service.model.errors import StoreError
from service.model.statements import StoredAttachment
from service.store.mongo.client import Doc
from service.store.mongo.statement_writes import MAX_ROUNDS, refused_positions
from service.xapi.statement_batch import agent_sightings, merged_definitions


async def store_attachments(
    coll: AsyncCollection[Doc], tenant: str, attachments: list[StoredAttachment]
) -> None:
    """Keep each attachment once per tenant, by its sha2 (AT-4)."""
    if not attachments:
        return
    ops = [
        UpdateOne(
            {"t": tenant, "sha2": a.sha2},
            {"$setOnInsert": {"content_type": a.content_type, "data": a.data}},
            upsert=True,
        )
        for a in attachments
    ]
    try:
        await coll.bulk_write(ops, ordered=False)
    except BulkWriteError as exc:
        refused_positions(exc)  # another request stored the same bytes at the same moment


async def merge_definitions(
    coll: AsyncCollection[Doc], tenant: str, definitions: list[tuple[str, dict[str, Any]]]
) -> None:
    """Fold each activity's definitions in statement order into its canonical one (RS-4).

    Every write is an upsert filtered on the revision read: when another process changed the
    activity meanwhile, the upsert collides with the unique index and that activity is redone.
    """
    pending = list(definitions)
    for _ in range(MAX_ROUNDS):
        wanted = list(dict.fromkeys(activity_id for activity_id, _ in pending))
        current = {doc["id"]: doc async for doc in coll.find({"t": tenant, "id": {"$in": wanted}})}
        stored = {a: orjson.loads(doc["definition"]) for a, doc in current.items()}
        changed = merged_definitions(pending, stored)
        if not changed:
            return
        ids = list(changed)
        ops = [
            UpdateOne(
                {"t": tenant, "id": activity_id, "rev": current[activity_id]["rev"]}
                if activity_id in current
                else {"t": tenant, "id": activity_id, "rev": 0},
                {"$set": {"definition": orjson.dumps(merged)}, "$inc": {"rev": 1}},
                upsert=True,
            )
            for activity_id, merged in changed.items()
        ]
        try:
            await coll.bulk_write(ops, ordered=False)
            return
        except BulkWriteError as exc:
            lost = {ids[i] for i in refused_positions(exc)}
            pending = [pair for pair in pending if pair[0] in lost]
    raise StoreError("activity definitions kept changing under this batch; send it again")


async def record_agents(
    coll: AsyncCollection[Doc], tenant: str, agents: list[dict[str, Any]]
) -> None:
    """Remember each identified agent's IFI and up to MAX_NAMES names used with it (RS-6).

    One read finds the known agents. New ones are inserted with their names by upserts; an
    upsert that met an agent created meanwhile, and every known agent, gets the missing names
    by `$push`es conditional on each name being absent, so races can only repeat no-ops.
    """
    wanted = agent_sightings(agents)
    if not wanted:
        return
    cursor = coll.find({"t": tenant, "key": {"$in": list(wanted)}}, {"key": 1, "names": 1})
    known = {doc["key"]: list(doc["names"]) async for doc in cursor}
    new = [key for key in wanted if key not in known]
    inserts = [
        UpdateOne(
            {"t": tenant, "key": key},
            {"$setOnInsert": {"ifi": wanted[key].ifi, "names": wanted[key].names[:MAX_NAMES]}},
            upsert=True,
        )
        for key in new
    ]
    inserted: set[int] = set()
    if inserts:
        try:
            result = await coll.bulk_write(inserts, ordered=False)
            inserted = set(result.upserted_ids or {})
        except BulkWriteError as exc:
            refused_positions(exc)  # created by another batch meanwhile: add names below
            inserted = {int(op["index"]) for op in exc.details.get("upserted", [])}
    missed = {key for i, key in enumerate(new) if i not in inserted}
    pushes = [
        UpdateOne(
            {"t": tenant, "key": key, "names": {"$nin": [name]}},  # `$ne` on arrays: see README
            {"$push": {"names": {"$each": [name], "$slice": MAX_NAMES}}},
        )
        for key, sighting in wanted.items()
        if key in missed or key in known
        for name in sighting.names
        if name not in known.get(key, []) and len(known.get(key, [])) < MAX_NAMES
    ]
    if pushes:
        await coll.bulk_write(pushes, ordered=True)

"""Forwarding targets and the outbox on MongoDB (issue 5), mirroring `sqlite/outbox.py`.

An outbox row is (target, statement `seq`): the `seq` is the row's id and its order, so a
target receives its statements in `stored` order, and the unique (target_id, seq) index makes
a repeated enqueue harmless. A sender leases a target with one conditional update.
"""

from __future__ import annotations

from typing import Any

from pymongo import ASCENDING, ReturnDocument
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError, DuplicateKeyError

from service.model.errors import ConflictError, NotFoundError
from service.model.forwarding import (
    DeadLetter,
    DeliveryOutcome,
    ForwardTarget,
    OutboxBatch,
    OutboxItem,
    TargetFilter,
    TargetStatus,
    accepted_by,
)
from service.model.statements import NewStatement
from service.store.mongo import batches, schema
from service.store.mongo.batch_recovery import recover
from service.store.mongo.client import Doc
from service.store.mongo.sequence import next_id
from service.store.mongo.statement_reads import uploaded_of
from service.store.mongo.statement_writes import refused_positions


def _target(doc: Doc) -> ForwardTarget:
    f = doc["filter"]
    return ForwardTarget(
        id=doc["_id"],
        tenant=doc["tenant"],
        name=doc["name"],
        kind=doc["kind"],
        url=doc["url"],
        username=doc.get("username"),
        password=doc.get("password"),
        xapi_version=doc["xapi_version"],
        filter=TargetFilter(
            verbs=tuple(f["verbs"]),
            activity_prefixes=tuple(f["activity_prefixes"]),
            credentials=tuple(f["credentials"]),
        ),
        enabled=bool(doc["enabled"]),
        created_ms=doc["created"],
    )


async def enqueue(
    db: AsyncDatabase[Doc],
    tenant: str,
    inserted: list[tuple[int, NewStatement]],
    now_ms: int,
    session: AsyncClientSession | None = None,
) -> None:
    """Outbox rows for newly stored statements, for every enabled target whose filter matches."""
    if not inserted:
        return
    cursor = db[schema.FORWARD_TARGETS].find({"tenant": tenant, "enabled": True}, session=session)
    targets = [_target(doc) async for doc in cursor]
    rows = [
        {
            "target_id": target.id,
            "tenant": tenant,
            "seq": seq,
            "statement_id": new.id,
            "attempts": 0,
            "dead": False,
            "last_error": None,
            "created": now_ms,
        }
        for target, seq, new in accepted_by(targets, inserted)
    ]
    if rows:
        try:
            await db[schema.OUTBOX].insert_many(rows, ordered=False, session=session)
        except BulkWriteError as exc:
            refused_positions(exc)  # already enqueued: a retried batch


async def add_target(db: AsyncDatabase[Doc], target: ForwardTarget) -> ForwardTarget:
    f = target.filter
    doc: Doc = {
        "_id": await next_id(db[schema.COUNTERS], "forward_targets"),
        "tenant": target.tenant,
        "name": target.name,
        "kind": target.kind,
        "url": target.url,
        "username": target.username,
        "password": target.password,
        "xapi_version": target.xapi_version,
        "filter": {
            "verbs": list(f.verbs),
            "activity_prefixes": list(f.activity_prefixes),
            "credentials": list(f.credentials),
        },
        "enabled": target.enabled,
        "created": target.created_ms,
        "failures": 0,
        "next_attempt": 0,
        "last_error": None,
        "delivered": 0,
        "last_delivered": None,
        "lease_owner": "",
        "lease_until": 0,
    }
    try:
        await db[schema.FORWARD_TARGETS].insert_one(doc)
    except DuplicateKeyError:
        raise ConflictError(f"the tenant already has a target named {target.name!r}") from None
    return _target(doc)


async def list_targets(
    db: AsyncDatabase[Doc], tenant: str, target_id: int | None = None
) -> list[TargetStatus]:
    where: Doc = {"tenant": tenant} if target_id is None else {"tenant": tenant, "_id": target_id}
    outbox = db[schema.OUTBOX]
    found = []
    async for doc in db[schema.FORWARD_TARGETS].find(where).sort("_id", ASCENDING):
        found.append(
            TargetStatus(
                target=_target(doc),
                delivered=doc["delivered"],
                failures=doc["failures"],
                next_attempt_ms=doc["next_attempt"],
                last_error=doc["last_error"],
                last_delivered_ms=doc["last_delivered"],
                pending=await outbox.count_documents({"target_id": doc["_id"], "dead": False}),
                dead=await outbox.count_documents({"target_id": doc["_id"], "dead": True}),
            )
        )
    return found


async def _owned(db: AsyncDatabase[Doc], tenant: str, target_id: int) -> None:
    if await db[schema.FORWARD_TARGETS].find_one({"_id": target_id, "tenant": tenant}) is None:
        raise NotFoundError(f"no forwarding target {target_id} in this tenant")


async def set_enabled(
    db: AsyncDatabase[Doc], tenant: str, target_id: int, enabled: bool
) -> TargetStatus:
    await _owned(db, tenant, target_id)
    await db[schema.FORWARD_TARGETS].update_one(
        {"_id": target_id}, {"$set": {"enabled": enabled, "failures": 0, "next_attempt": 0}}
    )
    return (await list_targets(db, tenant, target_id))[0]


async def delete_target(db: AsyncDatabase[Doc], tenant: str, target_id: int) -> None:
    await _owned(db, tenant, target_id)
    await db[schema.OUTBOX].delete_many({"target_id": target_id})
    await db[schema.FORWARD_TARGETS].delete_one({"_id": target_id})


async def due_targets(db: AsyncDatabase[Doc], now_ms: int) -> list[ForwardTarget]:
    """Enabled, unleased targets past their back-off with at least one pending row."""
    where = {"enabled": True, "next_attempt": {"$lte": now_ms}, "lease_until": {"$lte": now_ms}}
    due = []
    async for doc in db[schema.FORWARD_TARGETS].find(where).sort("_id", ASCENDING):
        if await db[schema.OUTBOX].find_one({"target_id": doc["_id"], "dead": False}):
            due.append(_target(doc))
    return due


async def claim(
    db: AsyncDatabase[Doc],
    target_id: int,
    owner: str,
    now_ms: int,
    lease_ms: int,
    limit: int,
    orphan_after_ms: int,
) -> OutboxBatch | None:
    """Lease the target, then read its oldest pending rows with the statements' stored bytes.

    Rows stop at the first statement whose batch is not committed; when that batch is older
    than `orphan_after_ms` its writer died, and it is removed here so forwarding goes on."""
    targets = db[schema.FORWARD_TARGETS]
    due = {"_id": target_id, "enabled": True, "next_attempt": {"$lte": now_ms}}
    lease = {"$set": {"lease_owner": owner, "lease_until": now_ms + lease_ms}}
    leased = None
    # Free, or already ours: two atomic tries rather than one `$or` beside other fields, which
    # the wire-compatible test server matches against every target (it leased target 1 when
    # asked for target 2, and target 2's statements went to target 1's URL).
    for holder in ({"lease_until": {"$lte": now_ms}}, {"lease_owner": owner}):
        leased = await targets.find_one_and_update(
            {**due, **holder}, lease, return_document=ReturnDocument.AFTER
        )
        if leased is not None:
            break
    if leased is None or leased["_id"] != target_id:
        return None  # never another target's document: its URL would get these statements
    tenant = leased["tenant"]
    counter = await db[schema.COUNTERS].find_one({"_id": batches.counter_id(tenant)})
    committed = batches.Snapshot.of(counter)
    cursor = db[schema.OUTBOX].find({"target_id": target_id, "dead": False})
    rows = await cursor.sort("seq", ASCENDING).limit(limit).to_list()
    ids = [row["statement_id"] for row in rows]
    where = {"t": tenant, "id": {"$in": ids}}
    projection = {"id": 1, "seq": 1, "p": 1, "body": 1, "up": 1}
    docs = {doc["id"]: doc async for doc in db[schema.STATEMENTS].find(where, projection)}
    items: list[OutboxItem] = []
    for row in rows:
        doc = docs.get(row["statement_id"])
        if doc is None:
            continue  # erased, or its batch was aborted meanwhile
        if not committed.visible(doc):  # it and everything after it wait for its batch
            if not items:
                await recover(db, tenant, counter, orphan_after_ms)
            break
        items.append(
            OutboxItem(
                row["seq"], row["statement_id"], row["attempts"], doc["body"], uploaded_of(doc)
            )
        )
    if not items:
        await _release(db, target_id, owner)
        return None
    return OutboxBatch(target=_target(leased), items=items, failures=leased["failures"])


async def _release(db: AsyncDatabase[Doc], target_id: int, owner: str) -> None:
    await db[schema.FORWARD_TARGETS].update_one(
        {"_id": target_id, "lease_owner": owner}, {"$set": {"lease_owner": "", "lease_until": 0}}
    )


async def finish(
    db: AsyncDatabase[Doc], target_id: int, owner: str, now_ms: int, outcome: DeliveryOutcome
) -> None:
    """Apply a sender's report; only the failed row's attempts grow, the rest keep waiting."""
    targets, outbox = db[schema.FORWARD_TARGETS], db[schema.OUTBOX]
    if outcome.delivered:
        await outbox.delete_many({"target_id": target_id, "seq": {"$in": outcome.delivered}})
        await targets.update_one(
            {"_id": target_id},
            {"$inc": {"delivered": len(outcome.delivered)}, "$set": {"last_delivered": now_ms}},
        )
    if outcome.failed is None:
        reset = {"failures": 0, "next_attempt": 0, "last_error": None}
        await targets.update_one({"_id": target_id}, {"$set": reset})
    else:
        row = await outbox.find_one_and_update(
            {"target_id": target_id, "seq": outcome.failed},
            {"$inc": {"attempts": 1}, "$set": {"last_error": outcome.error}},
            return_document=ReturnDocument.AFTER,
        )
        if row is not None and row["attempts"] >= outcome.max_attempts:
            await outbox.update_one({"_id": row["_id"]}, {"$set": {"dead": True}})
        await targets.update_one(
            {"_id": target_id},
            {
                "$inc": {"failures": 1},
                "$set": {"next_attempt": outcome.retry_at_ms, "last_error": outcome.error},
            },
        )
    await _release(db, target_id, owner)


async def dead_letters(
    db: AsyncDatabase[Doc], tenant: str, target_id: int | None, limit: int
) -> list[DeadLetter]:
    where: dict[str, Any] = {"tenant": tenant, "dead": True}
    if target_id is not None:
        where["target_id"] = target_id
    rows = await db[schema.OUTBOX].find(where).sort("seq", ASCENDING).limit(limit).to_list()
    ids = sorted({row["target_id"] for row in rows})
    cursor = db[schema.FORWARD_TARGETS].find({"_id": {"$in": ids}}, {"name": 1})
    names = {doc["_id"]: doc["name"] async for doc in cursor}
    return [
        DeadLetter(
            row["seq"],
            row["target_id"],
            names.get(row["target_id"], ""),
            row["statement_id"],
            row["attempts"],
            row["last_error"],
            row["created"],
        )
        for row in rows
    ]


async def requeue(db: AsyncDatabase[Doc], tenant: str, target_id: int | None) -> int:
    """Dead letters go back to pending; their `seq` keeps them in `stored` order."""
    where: dict[str, Any] = {"tenant": tenant, "dead": True}
    if target_id is not None:
        await _owned(db, tenant, target_id)
        where["target_id"] = target_id
    result = await db[schema.OUTBOX].update_many(where, {"$set": {"dead": False, "attempts": 0}})
    await db[schema.FORWARD_TARGETS].update_many(
        {"tenant": tenant}, {"$set": {"failures": 0, "next_attempt": 0}}
    )
    return result.modified_count


async def dead_letter_counts(db: AsyncDatabase[Doc]) -> dict[tuple[str, str], int]:
    """Dead letters per target; targets are few, so their names are joined here."""
    pipeline: list[Doc] = [
        {"$match": {"dead": True}},
        {"$group": {"_id": "$target_id", "count": {"$sum": 1}}},
    ]
    counts = {
        doc["_id"]: int(doc["count"]) async for doc in await db[schema.OUTBOX].aggregate(pipeline)
    }
    found: dict[tuple[str, str], int] = {}
    if counts:
        targets = db[schema.FORWARD_TARGETS].find({"_id": {"$in": list(counts)}})
        async for doc in targets:
            found[(doc["tenant"], doc["name"])] = counts[doc["_id"]]
    return found

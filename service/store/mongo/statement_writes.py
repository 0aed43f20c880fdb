"""Inserting a statement batch: the unique (tenant, id) index decides duplicates (SR-4, SR-6).

Nothing is checked before it is written. A batch's documents are inserted pending (its token in
`p`, its marker pending in the counter document, see `batches`), and the documents the unique
index refused are then read and compared: an equivalent committed statement is a no-op, a
different one rejects the whole batch with 409 (the caller aborts it: nothing was visible). A
pending twin in a live batch is waited for; one in a batch older than the orphan age (its
process died) is removed with that batch, and inserted again here.
"""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass, field

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError

from service.model.errors import StoreError
from service.model.statements import NewStatement
from service.store.mongo import batches, schema
from service.store.mongo.client import Doc
from service.store.mongo.statement_docs import equivalent
from service.xapi.statement_batch import conflict

DUPLICATE_KEY = 11000
MAX_ROUNDS = 8
POLL_SECONDS = 0.02
Pair = tuple[NewStatement, Doc]


@dataclass(slots=True)
class Written:
    """What a batch changed: its new documents, and the stored twins of equivalent re-posts."""

    inserted: list[Pair] = field(default_factory=list)
    unchanged: list[Doc] = field(default_factory=list)


def refused_positions(exc: BulkWriteError) -> set[int]:
    """Positions refused by a unique index; any other write error is re-raised."""
    errors = exc.details.get("writeErrors", [])
    if not errors or any(error.get("code") != DUPLICATE_KEY for error in errors):
        raise exc
    return {int(error["index"]) for error in errors}


async def _existing(coll: AsyncCollection[Doc], tenant: str, ids: list[str]) -> dict[str, Doc]:
    return {doc["id"]: doc async for doc in coll.find({"t": tenant, "id": {"$in": ids}})}


class _TwinPendingError(Exception):
    """Another batch holds a pending twin of one of ours and may be waiting for ours."""


async def insert_pending(
    db: AsyncDatabase[Doc],
    tenant: str,
    pairs: list[Pair],
    token: str,
    *,
    orphan_after_ms: int,
) -> Written:
    """Insert invisible documents; the caller aborts the batch on any error (SR-4).

    An equivalent statement pending in another batch means that batch is still running: this
    one withdraws its own pending documents (two batches holding each other's twins would wait
    forever) and tries again after a short random pause, until the other batch has committed
    (a no-op here) or given up (inserted here). A batch pending longer than `orphan_after_ms`
    died with its process: this one removes it and inserts its own documents.
    """
    coll = db[schema.STATEMENTS]
    while True:
        try:
            return await _attempt(db, tenant, pairs, token, orphan_after_ms)
        except _TwinPendingError:
            await discard(coll, tenant, token)
            await asyncio.sleep(random.uniform(POLL_SECONDS / 2, POLL_SECONDS * 2))


async def _attempt(
    db: AsyncDatabase[Doc], tenant: str, pairs: list[Pair], token: str, orphan_after_ms: int
) -> Written:
    coll = db[schema.STATEMENTS]
    written = Written()
    todo = pairs
    for _ in range(MAX_ROUNDS):
        refused: set[int] = set()
        try:
            await coll.insert_many([doc for _, doc in todo], ordered=False)
        except BulkWriteError as exc:
            refused = refused_positions(exc)
        written.inserted.extend(pair for i, pair in enumerate(todo) if i not in refused)
        if not refused:
            return written
        duplicates = [todo[i] for i in sorted(refused)]
        counter = await db[schema.COUNTERS].find_one({"_id": batches.counter_id(tenant)})
        committed = batches.Snapshot.of(counter)  # read before the documents it judges
        dead = batches.stale(counter, batches.PENDING, orphan_after_ms, own=token)
        existing = await _existing(coll, tenant, [new.id for new, _ in duplicates])
        todo = []
        for new, doc in duplicates:
            current = existing.get(new.id)
            if current is None:  # a failed batch removed it meanwhile: insert again
                todo.append((new, doc))
            elif not equivalent(current, new):
                raise conflict(new.id)
            elif committed.visible(current):
                written.unchanged.append(current)
            elif current["p"] in dead:
                await batches.abort(db, tenant, current["p"])
                todo.append((new, doc))
            else:
                raise _TwinPendingError
        if not todo:
            return written
    raise StoreError("statement ids kept changing under this batch; send it again")


async def discard(coll: AsyncCollection[Doc], tenant: str, token: str) -> None:
    """Withdraw this batch's pending documents (it stays pending, and tries again)."""
    await coll.delete_many({"t": tenant, "p": token})

"""Inserting a statement batch: the unique (tenant, id) index decides duplicates (SR-4, SR-6).

Nothing is checked before it is written. A batch is inserted, and the documents the unique
index refused are then read and compared: an equivalent statement is a no-op, a different one
rejects the whole batch with 409. Two ways to make the batch all-or-nothing:

- `insert_in_transaction` (replica set, mongos): one multi-document transaction; a refused
  insert aborts it, and it is retried without the equivalent statements.
- `insert_pending` (standalone server): the documents are inserted invisible, marked with the
  batch's token in `p`; a conflict deletes exactly those; `publish` makes them visible with one
  update. A pending document left by a batch that died is adopted by a retry of that batch.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from pymongo import AsyncMongoClient
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import BulkWriteError

from service.model.clock import now_ms
from service.model.errors import StoreError
from service.model.statements import NewStatement
from service.store.mongo.client import Doc
from service.store.mongo.statement_docs import COMMITTED, equivalent
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
    coll: AsyncCollection[Doc],
    tenant: str,
    pairs: list[Pair],
    token: str,
    *,
    orphan_after_ms: int,
) -> Written:
    """Insert invisible documents; the caller discards them on any error (SR-4).

    An equivalent statement pending in another batch means that batch is still running: this
    one withdraws its own pending documents (two batches holding each other's twins would wait
    forever) and tries again after a short random pause, until the other batch has published
    (a no-op here) or given up (inserted here). A pending document older than
    `orphan_after_ms` was left by a batch that died, and this batch adopts it.
    """
    while True:
        try:
            return await _attempt(coll, tenant, pairs, token, orphan_after_ms)
        except _TwinPendingError:
            await discard(coll, tenant, [new.id for new, _ in pairs], token)
            await asyncio.sleep(random.uniform(POLL_SECONDS / 2, POLL_SECONDS * 2))


async def _attempt(
    coll: AsyncCollection[Doc], tenant: str, pairs: list[Pair], token: str, orphan_after_ms: int
) -> Written:
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
        existing = await _existing(coll, tenant, [new.id for new, _ in duplicates])
        todo = []
        for new, doc in duplicates:
            current = existing.get(new.id)
            if current is None:  # a failed batch discarded it meanwhile: insert again
                todo.append((new, doc))
            elif not equivalent(current, new):
                raise conflict(new.id)
            elif current["p"] == COMMITTED:
                written.unchanged.append(current)
            elif now_ms() - current["stored"] < orphan_after_ms:
                raise _TwinPendingError
            elif await _adopt(coll, current, doc):
                written.inserted.append((new, doc))
            else:
                todo.append((new, doc))
        if not todo:
            return written
    raise StoreError("statement ids kept changing under this batch; send it again")


async def _adopt(coll: AsyncCollection[Doc], current: Doc, doc: Doc) -> bool:
    """Take over an orphaned pending document with this batch's (same `_id`, every field)."""
    fields = {key: value for key, value in doc.items() if key != "_id"}
    result = await coll.update_one({"_id": current["_id"], "p": current["p"]}, {"$set": fields})
    return result.matched_count == 1


async def publish(coll: AsyncCollection[Doc], tenant: str, ids: list[str], token: str) -> None:
    """Make a batch's pending documents visible to reads."""
    if ids:
        await coll.update_many(
            {"t": tenant, "id": {"$in": ids}, "p": token}, {"$set": {"p": COMMITTED}}
        )


async def discard(coll: AsyncCollection[Doc], tenant: str, ids: list[str], token: str) -> None:
    """Delete the pending documents of a rejected batch (and nothing else)."""
    if ids:
        await coll.delete_many({"t": tenant, "id": {"$in": ids}, "p": token})


async def insert_in_transaction(
    client: AsyncMongoClient[Doc],
    coll: AsyncCollection[Doc],
    tenant: str,
    pairs: list[Pair],
    also: Callable[[AsyncClientSession, list[Pair]], Awaitable[None]],
) -> Written:
    """Insert committed documents in one transaction, retried without equivalent re-posts.

    `also` runs in the same transaction with the statements actually inserted (the outbox).
    """
    written = Written()
    todo = pairs
    for _ in range(MAX_ROUNDS):

        async def insert(session: AsyncClientSession, todo: list[Pair] = todo) -> None:
            await coll.insert_many([doc for _, doc in todo], ordered=True, session=session)
            await also(session, todo)

        try:
            async with client.start_session() as session:
                await session.with_transaction(insert)
        except BulkWriteError as exc:
            refused_positions(exc)
        else:
            written.inserted.extend(todo)
            return written
        existing = await _existing(coll, tenant, [new.id for new, _ in todo])
        remaining: list[Pair] = []
        for new, doc in todo:
            current = existing.get(new.id)
            if current is None:
                remaining.append((new, doc))
            elif not equivalent(current, new):
                raise conflict(new.id)
            else:
                written.unchanged.append(current)
        todo = remaining
        if not todo:
            return written
    raise StoreError("statement ids kept changing under this batch; send it again")

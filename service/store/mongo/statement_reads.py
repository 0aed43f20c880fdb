"""Statement reads as index lookups: by id, and queries over (tenant, k, seq) (SR-30..SR-47)."""

from __future__ import annotations

from typing import Any

import orjson
from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.collection import AsyncCollection

from service.model.statements import (
    StatementPage,
    StatementQuery,
    StoredAttachment,
    StoredStatement,
    Uploaded,
)
from service.store.mongo.batches import Snapshot
from service.store.mongo.client import Doc
from service.store.mongo.statement_docs import encode_key


def uploaded_of(doc: Doc) -> Uploaded:
    """The sha2s whose attachment data came with the statement; None when `up` is absent."""
    sent = doc.get("up")
    return None if sent is None else tuple(sent)


async def get_statement(
    coll: AsyncCollection[Doc],
    tenant: str,
    statement_id: str,
    committed: Snapshot,
    *,
    voided: bool,
) -> StoredStatement | None:
    """The committed statement if its voided state is `voided` (SR-30, SR-31)."""
    doc = await coll.find_one(
        {"t": tenant, "id": statement_id, "voided": voided, **committed.where()},
        {"body": 1, "stored": 1, "up": 1, "ot": 1},
    )
    if doc is None:
        return None
    return StoredStatement(
        body=doc["body"],
        stored_ms=doc["stored"],
        uploaded=uploaded_of(doc),
        original_timestamp=doc.get("ot"),
    )


async def _last_seq_stored_by(coll: AsyncCollection[Doc], tenant: str, instant_ms: int) -> int:
    """The newest sequence number stored at or before the instant; 0 when none."""
    doc = await coll.find_one(
        {"t": tenant, "stored": {"$lte": instant_ms}},
        {"seq": 1},
        sort=[("stored", DESCENDING), ("seq", DESCENDING)],
    )
    return int(doc["seq"]) if doc else 0


async def seq_bounds(
    coll: AsyncCollection[Doc], tenant: str, query: StatementQuery
) -> tuple[int, int]:
    """since/until/cursor as an exclusive-low, inclusive-high `seq` range (SR-41, SR-45)."""
    low = 0
    if query.since_ms is not None:
        low = await _last_seq_stored_by(coll, tenant, query.since_ms)
    high = None
    if query.until_ms is not None:
        high = await _last_seq_stored_by(coll, tenant, query.until_ms)
    return query.seq_range(low, high)


async def query_statements(
    coll: AsyncCollection[Doc], tenant: str, query: StatementQuery, committed: Snapshot
) -> StatementPage:
    """One page in `seq` order; voided and uncommitted statements never appear (SR-44)."""
    low, high = await seq_bounds(coll, tenant, query)
    where: dict[str, Any] = {"t": tenant, "voided": False, **committed.where(high)}
    where["seq"] = {"$gt": low, **where["seq"]}
    keys = [encode_key(kind, key) for kind, key in query.filter_keys()]
    if len(keys) == 1:
        where["k"] = keys[0]
    elif keys:
        where["k"] = {"$all": keys}
    cursor = coll.find(where, {"seq": 1, "body": 1, "stored": 1, "up": 1, "ot": 1}).sort(
        "seq", ASCENDING if query.ascending else DESCENDING
    )
    docs = await cursor.limit(query.limit + 1).to_list()
    page = docs[: query.limit]
    has_more = len(docs) > query.limit
    through = None
    if has_more and query.ascending and query.through_seq is None:
        through = committed.high  # later pages never show what this one could not
    return StatementPage(
        bodies=[doc["body"] for doc in page],
        uploaded=[uploaded_of(doc) for doc in page],
        originals=[doc.get("ot") for doc in page],
        last_seq=page[-1]["seq"] if page else None,
        has_more=has_more,
        newest_stored_ms=max((doc["stored"] for doc in page), default=None),
        through_seq=through,
    )


async def get_attachments(
    coll: AsyncCollection[Doc], tenant: str, sha2s: list[str]
) -> list[StoredAttachment]:
    """Attachments by sha2, in the order asked, skipping unknown ones (AT-4)."""
    found = {doc["sha2"]: doc async for doc in coll.find({"t": tenant, "sha2": {"$in": sha2s}})}
    return [
        StoredAttachment(
            sha2=sha2, content_type=found[sha2]["content_type"], data=found[sha2]["data"]
        )
        for sha2 in sha2s
        if sha2 in found
    ]


async def get_activity_definitions(
    coll: AsyncCollection[Doc], tenant: str, activity_ids: list[str]
) -> dict[str, dict[str, Any]]:
    """Canonical definitions of those activities that have one (RS-4)."""
    cursor = coll.find({"t": tenant, "id": {"$in": activity_ids}}, {"id": 1, "definition": 1})
    return {doc["id"]: orjson.loads(doc["definition"]) async for doc in cursor}

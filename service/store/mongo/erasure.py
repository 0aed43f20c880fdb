"""Erasing one agent from one tenant on MongoDB (issue 5), mirroring `sqlite/erasure.py`.

`service.xapi.erasure` decides per statement. The steps are idempotent and run in order
(statements, outbox, attachments, index keys, documents, agents, then the record), so an
erasure interrupted by a failure is completed by running it again.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import orjson
from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase

from service.model.documents import DocumentKind
from service.model.statements import KeyKind
from service.model.tenancy import ErasureCounts, ErasureRecord
from service.store.mongo import outcome_schema, schema
from service.store.mongo.attainment_changes import delete_learner_changes
from service.store.mongo.batches import counter_id
from service.store.mongo.client import Doc
from service.store.mongo.outcome_erasure import delete_learner_outcomes
from service.store.mongo.sequence import next_id
from service.store.mongo.statement_docs import encode_key
from service.store.mongo.tombstones import record_tombstones
from service.xapi.erasure import attachment_sha2s, erasure_action


async def erase_agent(
    db: AsyncDatabase[Doc],
    tenant: str,
    key: str,
    *,
    learner: str,
    agent_hash: str,
    erased_by: str,
    pseudonym: dict[str, Any],
    now_ms: int,
) -> ErasureRecord:
    """Delete or redact every statement naming the agent, drop their documents and keys, and
    their outcome state as `learner`."""
    statements = db[schema.STATEMENTS]
    agent_keys = [encode_key(KeyKind.AGENT, key), encode_key(KeyKind.RELATED_AGENT, key)]
    doomed: list[Doc] = []
    redacted = 0
    changed_ids: list[tuple[str, int, str]] = []
    found = statements.find({"t": tenant, "k": {"$in": agent_keys}}, {"id": 1, "body": 1, "seq": 1})
    async for doc in found:
        action, changed = erasure_action(orjson.loads(doc["body"]), key, pseudonym)
        if action == "delete":
            doomed.append(doc)
            changed_ids.append((doc["id"], int(doc["seq"]), "deleted"))
        elif action == "redact":
            changed_ids.append((doc["id"], int(doc["seq"]), "pseudonymised"))
            body = orjson.dumps(changed)
            await statements.update_one({"_id": doc["_id"]}, {"$set": {"body": body}})
            redacted += 1
    outbox = 0
    await record_tombstones(db, tenant, changed_ids, reason="erasure", now_ms=now_ms)
    if doomed:
        await statements.delete_many({"_id": {"$in": [doc["_id"] for doc in doomed]}})
        ids = [doc["id"] for doc in doomed]
        result = await db[schema.OUTBOX].delete_many(
            {"tenant": tenant, "statement_id": {"$in": ids}}
        )
        outbox = result.deleted_count
    attachments = await _delete_orphan_attachments(db, tenant, doomed)
    await statements.update_many(
        {"t": tenant, "k": {"$in": agent_keys}}, {"$pull": {"k": {"$in": agent_keys}}}
    )
    kinds = [int(DocumentKind.STATE), int(DocumentKind.AGENT_PROFILE)]
    documents = await db[schema.DOCUMENTS].delete_many(
        {"t": tenant, "agent": key, "kind": {"$in": kinds}}
    )
    agents = await db[schema.AGENTS].delete_many({"t": tenant, "key": key})
    outcome_rows = await delete_learner_outcomes(db, tenant, learner)
    await delete_learner_changes(db, tenant, learner, now_ms)
    counts = ErasureCounts(
        statements_deleted=len(doomed),
        statements_redacted=redacted,
        documents_deleted=documents.deleted_count,
        attachments_deleted=attachments,
        outbox_deleted=outbox,
        agents_deleted=agents.deleted_count,
        outcome_rows_deleted=outcome_rows,
    )
    record = ErasureRecord(
        await next_id(db[schema.COUNTERS], "erasures"),
        tenant,
        agent_hash,
        erased_by,
        now_ms,
        counts,
        tuple(str(doc["id"]) for doc in doomed),
    )
    await db[schema.ERASURES].insert_one(
        {
            "_id": record.id,
            "tenant": tenant,
            "agent_hash": agent_hash,
            "erased_by": erased_by,
            "erased": now_ms,
            "counts": asdict(counts),
        }
    )
    return record


async def _delete_orphan_attachments(db: AsyncDatabase[Doc], tenant: str, doomed: list[Doc]) -> int:
    """Drop attachments of deleted statements that no remaining statement of the tenant uses."""
    sha2s = sorted({sha2 for doc in doomed for sha2 in attachment_sha2s(orjson.loads(doc["body"]))})
    deleted = 0
    for sha2 in sha2s:
        if await db[schema.STATEMENTS].find_one({"t": tenant, "att": sha2}, {"_id": 1}) is None:
            result = await db[schema.ATTACHMENTS].delete_one({"t": tenant, "sha2": sha2})
            deleted += result.deleted_count
    return deleted


async def list_erasures(db: AsyncDatabase[Doc], tenant: str) -> list[ErasureRecord]:
    cursor = db[schema.ERASURES].find({"tenant": tenant}).sort("_id", ASCENDING)
    return [
        ErasureRecord(
            doc["_id"],
            doc["tenant"],
            doc["agent_hash"],
            doc["erased_by"],
            doc["erased"],
            ErasureCounts(**doc["counts"]),
        )
        async for doc in cursor
    ]


# Credentials first (nothing more is written), the tenant record last: an interrupted deletion
# leaves a tenant that a second run finishes. Erasure records and the audit log stay.
TENANT_COLLECTIONS = (
    (schema.CREDENTIALS, "tenant"),
    (schema.FORWARD_TARGETS, "tenant"),
    (schema.OUTBOX, "tenant"),
    (schema.STATEMENTS, "t"),
    (schema.ATTACHMENTS, "t"),
    (schema.ACTIVITIES, "t"),
    (schema.AGENTS, "t"),
    (schema.DOCUMENTS, "t"),
    *((collection, "t") for collection in outcome_schema.COLLECTIONS),
    (schema.RETENTION, "_id"),
    (schema.TOMBSTONES, "tenant"),
    (schema.ATTAINMENT_CHANGES, "t"),
    (schema.TENANTS, "_id"),
)


async def erase_tenant(db: AsyncDatabase[Doc], tenant: str) -> dict[str, int]:
    """Delete every record of the tenant, collection by collection; documents per collection.

    The console sessions and quota states of its credentials go first; its statement counter
    document (the sequence and the commit markers of batches in flight) goes once its
    statements are gone, so a tenant created again under the name starts clean.
    """
    counts: dict[str, int] = {}
    credentials = db[schema.CREDENTIALS].find({"tenant": tenant}, {"_id": 1})
    keys = [doc["_id"] async for doc in credentials]
    if keys:
        for collection, field in ((schema.SESSIONS, "credential"), (schema.QUOTAS, "_id")):
            deleted = (await db[collection].delete_many({field: {"$in": keys}})).deleted_count
            if deleted:
                counts[collection] = deleted
    for collection, field in TENANT_COLLECTIONS:
        deleted = (await db[collection].delete_many({field: tenant})).deleted_count
        if deleted:
            counts[collection] = deleted
        if collection == schema.STATEMENTS:
            await db[schema.COUNTERS].delete_one({"_id": counter_id(tenant)})
    return counts

"""Collections and indexes of the MongoDB store; every record carries its tenant `t`.

Index creation is idempotent: `createIndexes` with the same names and specs is a no-op, and
MongoDB joins concurrent identical builds, so several processes may start at once. A spec that
differs from an existing index of the same name fails loudly instead of being "fixed" silently.
"""

from __future__ import annotations

from pymongo import ASCENDING, IndexModel
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError, OperationFailure

from service import __version__
from service.model.errors import StoreError
from service.store.mongo import outcome_schema
from service.store.mongo.client import Doc
from service.store.versions import refuse_newer_schema

SCHEMA_VERSION = 3  # the layout below; a database without a `meta` record has version 1
# 2: a statement's `p` keeps its batch token; the counter document's markers say what is
# committed (see `batches`). In version 1, `p` was "" once published.
# 3: outcome state in the `outcome_*` collections (see `outcome_schema`); an earlier release
# would leave them behind when it deletes a tenant.

STATEMENTS = "statements"
COUNTERS = "counters"
ATTACHMENTS = "attachments"
ACTIVITIES = "activities"
AGENTS = "agents"
DOCUMENTS = "documents"
CREDENTIALS = "credentials"
TENANTS = "tenants"
FORWARD_TARGETS = "forward_targets"
OUTBOX = "outbox"
ERASURES = "erasures"
AUDIT = "audit"  # append-only: administrative actions (issue 20)
RETENTION = "retention"  # one policy per tenant, keyed by tenant
TOMBSTONES = "tombstones"  # ids of statements retention deleted, for a feed
ATTAINMENT_CHANGES = "attainment_changes"  # attainments written and withdrawn, for the feed
QUOTAS = "quotas"  # one GCRA arrival time per credential with a rate quota (keyed by `_id`)
SESSIONS = "console_sessions"
LEASES = "leases"  # one document per named lease (not data: nothing copies it)
META = "meta"  # one record: the schema version and the release that last wrote it

_INDEX_CONFLICT_CODES = {85, 86}  # IndexOptionsConflict, IndexKeySpecsConflict


def _index(name: str, *fields: str, unique: bool = False) -> IndexModel:
    return IndexModel([(field, ASCENDING) for field in fields], name=name, unique=unique)


INDEXES: dict[str, list[IndexModel]] = {
    STATEMENTS: [
        _index("statement_id", "t", "id", unique=True),  # SR-4: the duplicate check is this index
        _index("statement_seq", "t", "seq"),  # unfiltered queries and paging (SR-45)
        _index("statement_keys", "t", "k", "seq"),  # multikey: every filter (SR-42, SR-43)
        _index("statement_stored", "t", "stored", "seq"),  # since/until to seq bounds
        _index("statement_ref", "t", "ref"),  # referrers of a statement (SR-43)
        _index("statement_voids", "t", "voids"),  # voiding statements of a target (SR-20)
    ],
    ATTACHMENTS: [_index("attachment_sha2", "t", "sha2", unique=True)],
    ACTIVITIES: [_index("activity_id", "t", "id", unique=True)],
    AGENTS: [_index("agent_key", "t", "key", unique=True)],
    DOCUMENTS: [
        _index(
            "document_key",
            "t",
            "kind",
            "activity_id",
            "agent",
            "registration",
            "document_id",
            unique=True,
        )
    ],
    CREDENTIALS: [_index("credential_tenant", "tenant")],
    FORWARD_TARGETS: [_index("target_name", "tenant", "name", unique=True)],
    OUTBOX: [
        _index("outbox_row", "target_id", "seq", unique=True),  # a repeated enqueue is a no-op
        _index("outbox_pending", "target_id", "dead", "seq"),
        _index("outbox_tenant", "tenant", "dead", "seq"),
    ],
    ERASURES: [_index("erasure_tenant", "tenant")],
    AUDIT: [_index("audit_order", "n"), _index("audit_tenant", "tenant", "n")],
    TOMBSTONES: [_index("tombstone_tenant", "tenant", "n")],
    ATTAINMENT_CHANGES: [_index("attainment_change_tenant", "t", "n")],
    SESSIONS: [_index("session_seen", "seen")],
    **outcome_schema.INDEXES,
}


async def ensure_indexes(db: AsyncDatabase[Doc]) -> None:
    """Create every index that is missing (D-1, SR-4, SR-42)."""
    for collection, models in INDEXES.items():
        try:
            await db[collection].create_indexes(models)
        except OperationFailure as exc:
            if exc.code in _INDEX_CONFLICT_CODES:
                raise StoreError(
                    f"an index of the MongoDB collection {collection!r} exists with another "
                    "definition; drop it so the service can create its own"
                ) from exc
            raise


async def check_schema_version(db: AsyncDatabase[Doc]) -> int:
    """Refuse a database written by a newer release, before this one writes anything to it;
    return the version recorded (1 when none is)."""
    record = await db[META].find_one({"_id": "schema"})
    if record is None:
        return 1
    refuse_newer_schema(int(record["version"]), record.get("release"), SCHEMA_VERSION)
    return int(record["version"])


async def upgrade(db: AsyncDatabase[Doc], recorded: int) -> None:
    """Bring a database of an earlier schema to this one (all its processes stopped first).

    From 1: statements still pending were left by batches that died unpublished (version 1
    published every batch before answering); they were invisible and are deleted, as a retry
    would have replaced them.
    """
    if recorded < 2:
        await db[STATEMENTS].delete_many({"p": {"$ne": ""}})


async def record_schema_version(db: AsyncDatabase[Doc]) -> None:
    """Record this release's schema, unless a newer release recorded its own meanwhile."""
    try:
        await db[META].update_one(
            {"_id": "schema", "version": {"$lte": SCHEMA_VERSION}},
            {"$set": {"version": SCHEMA_VERSION, "release": __version__}},
            upsert=True,
        )
    except DuplicateKeyError:  # the filter missed an existing record: a newer schema
        await check_schema_version(db)
        raise

"""MongoDB's Transfer: every kind of record out in chunks, and in idempotently (see the port).

Statements go out tenant by tenant in `seq` order: those committed when the copy first read the
tenant (see `batches`), none stored later, so a copy of a serving LRS holds a consistent set; they
come in with sequence numbers reserved from the tenant's counter in the order given, already
committed. The counters of forwarding targets and erasures move past the ids copied in.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import orjson
from bson import ObjectId
from pymongo import ASCENDING, InsertOne
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError

from service.model.errors import StoreError
from service.model.statements import KeyKind
from service.store.mongo import batches, outcome_schema, outcome_transfer, schema
from service.store.mongo.client import Doc, driver_errors
from service.store.mongo.sequence import bump
from service.store.mongo.statement_docs import encode_key
from service.store.mongo.statement_writes import MAX_ROUNDS, refused_positions
from service.store.ports.transfer import OUTCOME_KINDS, Cursor, Record, identity
from service.xapi.erasure import attachment_sha2s

_ERASURE_FIELDS = ("tenant", "agent_hash", "erased_by", "erased", "counts")
_OUTBOX_FIELDS = (
    "tenant", "target_id", "statement_id", "attempts", "dead", "last_error", "created",
)  # fmt: skip
_LIMIT_FIELDS = ("rate_per_second", "burst", "max_batch_statements", "max_body_bytes")
_MARKS = "migration"
_BY_OBJECT_ID = {
    "activities": schema.ACTIVITIES,
    "agents": schema.AGENTS,
    "attachments": schema.ATTACHMENTS,
    "documents": schema.DOCUMENTS,
    "outbox": schema.OUTBOX,
}
_BY_KEY = {
    "tenants": schema.TENANTS,
    "credentials": schema.CREDENTIALS,
    "forward_targets": schema.FORWARD_TARGETS,
    "erasures": schema.ERASURES,
}
_DOCUMENT_FIELDS = (
    "kind", "activity_id", "agent", "registration", "document_id",
    "content_type", "content", "etag", "updated",
)  # fmt: skip
_TARGET_FIELDS = (
    "tenant", "name", "kind", "url", "username", "password", "xapi_version", "filter", "enabled",
    "created", "failures", "next_attempt", "last_error", "delivered", "last_delivered",
)  # fmt: skip


IDENTITY_CHUNK = 5000
_IDENTITY: dict[str, tuple[str, ...]] = {
    "tenants": ("_id",),
    "credentials": ("tenant",),
    "activities": ("t", "id"),
    "agents": ("t", "key"),
    "attachments": ("t", "sha2"),
    "documents": ("t", "kind", "activity_id", "agent", "registration", "document_id"),
    "forward_targets": ("tenant",),
    "outbox": ("tenant", "target_id", "statement_id"),
    "erasures": ("tenant",),
}


def _identity_of(kind: str, doc: Doc) -> tuple[str, str]:
    """`identity` of the record a document holds, from the projected fields only."""
    if kind == "tenants":
        return doc["_id"], doc["_id"]
    if kind in ("credentials", "forward_targets", "erasures"):
        return doc["tenant"], str(doc["_id"])
    if kind == "documents":
        return identity(kind, {"tenant": doc["t"], **doc})
    if kind == "outbox":
        return identity(kind, doc)
    field = {"activities": "id", "agents": "key", "attachments": "sha2"}[kind]
    return doc["t"], doc[field]


def _limits(doc: Doc) -> dict[str, Any]:
    limits = doc.get("limits") or {}
    return {f: limits.get(f) for f in _LIMIT_FIELDS}


def _decode_key(encoded: str) -> list[Any]:
    kind, _, key = encoded.partition(":")
    return [int(kind), key]


def _record(kind: str, doc: Doc) -> Record:
    """The neutral record of a stored document."""
    if kind == "tenants":
        return {
            "name": doc["_id"],
            "enabled": bool(doc["enabled"]),
            "created": doc["created"],
            "limits": _limits(doc),
        }
    if kind == "credentials":
        return {
            "key": doc["_id"],
            "tenant": doc["tenant"],
            "name": doc["name"],
            "secret_hash": doc["secret_hash"],
            "scopes": list(doc["scopes"]),
            "enabled": bool(doc["enabled"]),
            "created": doc["created"],
            "last_used": doc.get("last_used"),
            "limits": _limits(doc),
        }
    if kind == "activities":
        return {"tenant": doc["t"], "id": doc["id"], "definition": bytes(doc["definition"])}
    if kind == "agents":
        return {"tenant": doc["t"], "key": doc["key"], "ifi": doc["ifi"], "names": doc["names"]}
    if kind == "attachments":
        return {
            "tenant": doc["t"],
            "sha2": doc["sha2"],
            "content_type": doc["content_type"],
            "data": bytes(doc["data"]),
        }
    if kind == "documents":
        return {"tenant": doc["t"], **{f: doc[f] for f in _DOCUMENT_FIELDS}}
    if kind == "statements":
        authority = doc.get("ak") or ""
        return {
            "tenant": doc["t"],
            "id": doc["id"],
            "stored": doc["stored"],
            "voided": bool(doc["voided"]),
            "ref": doc["ref"] or None,
            "voids": doc["voids"] or None,
            "body": bytes(doc["body"]),
            "keys": sorted(_decode_key(k) for k in doc["k"] if k != authority),
            "authority": _decode_key(authority)[1] if authority else None,
            "uploaded": None if doc.get("up") is None else list(doc["up"]),
        }
    if kind == "forward_targets":
        return {"id": doc["_id"], **{f: doc[f] for f in _TARGET_FIELDS}}
    if kind == "outbox":
        return {f: doc[f] for f in _OUTBOX_FIELDS}
    if kind == "erasures":
        return {"id": doc["_id"], **{f: doc[f] for f in _ERASURE_FIELDS}}
    raise ValueError(f"unknown kind of record: {kind}")


def _document(kind: str, record: Record) -> Doc:
    """The stored document of a neutral record (statements and outbox rows excepted)."""
    if kind == "tenants":
        return {
            "_id": record["name"],
            "enabled": record["enabled"],
            "created": record["created"],
            "limits": dict(record["limits"]),
        }
    if kind == "credentials":
        doc: Doc = {
            "_id": record["key"],
            **{f: record[f] for f in ("tenant", "name", "secret_hash", "scopes", "enabled")},
            "created": record["created"],
            "limits": dict(record["limits"]),
        }
        if record["last_used"] is not None:
            doc["last_used"] = record["last_used"]
        return doc
    if kind == "activities":
        return {
            "t": record["tenant"],
            "id": record["id"],
            "definition": record["definition"],
            "rev": 1,
        }
    if kind == "agents":
        return {
            "t": record["tenant"],
            "key": record["key"],
            "ifi": record["ifi"],
            "names": record["names"],
        }
    if kind == "attachments":
        return {"t": record["tenant"], **{f: record[f] for f in ("sha2", "content_type", "data")}}
    if kind == "documents":
        return {"t": record["tenant"], **{f: record[f] for f in _DOCUMENT_FIELDS}}
    if kind == "forward_targets":
        return {
            "_id": record["id"],
            **{f: record[f] for f in _TARGET_FIELDS},
            "lease_owner": "",
            "lease_until": 0,
        }
    if kind == "erasures":
        return {"_id": record["id"], **{f: record[f] for f in _ERASURE_FIELDS}}
    raise ValueError(f"unknown kind of record: {kind}")


class MongoTransfer:
    """Transfer over one MongoDB database."""

    def __init__(self, db: AsyncDatabase[Doc]) -> None:
        self._db = db
        self._as_of: dict[str, batches.Snapshot] = {}

    async def _snapshot(self, tenant: str) -> batches.Snapshot:
        """The tenant's committed statements when this copy first read them; every later chunk
        and the verification use the same ones, so the copy holds exactly that set."""
        if tenant not in self._as_of:
            self._as_of[tenant] = await batches.snapshot(self._db, tenant)
        return self._as_of[tenant]

    @driver_errors("export records")
    async def export_records(
        self, kind: str, after: Cursor, limit: int
    ) -> tuple[list[Record], Cursor]:
        if kind in OUTCOME_KINDS:
            return await outcome_transfer.export(self._db, kind, after, limit)
        if kind == "statements":
            return await self._export_statements(after, limit)
        if kind in _BY_OBJECT_ID:
            coll = self._db[_BY_OBJECT_ID[kind]]
            where: Doc = {} if after is None else {"_id": {"$gt": ObjectId(after)}}
            docs = await coll.find(where).sort("_id", ASCENDING).limit(limit).to_list()
            cursor = str(docs[-1]["_id"]) if docs else after
        else:
            coll = self._db[_BY_KEY[kind]]
            where = {} if after is None else {"_id": {"$gt": after}}
            docs = await coll.find(where).sort("_id", ASCENDING).limit(limit).to_list()
            cursor = docs[-1]["_id"] if docs else after
        return [_record(kind, doc) for doc in docs], cursor

    async def _export_statements(self, after: Cursor, limit: int) -> tuple[list[Record], Cursor]:
        """Tenant by tenant, in `seq` order; statements of uncommitted batches are left out."""
        coll = self._db[schema.STATEMENTS]
        tenant, seq = (None, 0) if after is None else (after[0], after[1])
        tenants = sorted(await coll.distinct("t"))
        if tenant is None:
            tenant = tenants[0] if tenants else None
        while tenant is not None:
            committed = await self._snapshot(tenant)
            where = {"t": tenant, "seq": {"$gt": seq, "$lte": committed.high}}
            docs = await coll.find(where).sort("seq", ASCENDING).limit(limit).to_list()
            shown = [_record("statements", d) for d in docs if committed.visible(d)]
            if shown:
                return shown, [tenant, int(docs[-1]["seq"])]
            if docs:  # only statements of uncommitted batches: look further
                seq = int(docs[-1]["seq"])
                continue
            later = [t for t in tenants if t > tenant]
            tenant, seq = (later[0], 0) if later else (None, 0)
        return [], after

    @driver_errors("import records")
    async def import_records(self, kind: str, records: list[Record]) -> int:
        self._as_of.clear()  # a store written to is read afresh
        if not records:
            return 0
        if kind == "statements":
            return await self._import_statements(records)
        if kind == "outbox":
            return await self._import_outbox(records)
        if kind in OUTCOME_KINDS:
            return await outcome_transfer.import_new(self._db, kind, records)
        if kind == "tenants":  # the target's own `default` takes the source's settings
            for record in records:
                doc = _document(kind, record)
                await self._db[schema.TENANTS].replace_one({"_id": doc["_id"]}, doc, upsert=True)
            return len(records)
        name = _BY_OBJECT_ID.get(kind) or _BY_KEY[kind]
        new = await self._insert_new(name, [_document(kind, r) for r in records])
        if kind in ("forward_targets", "erasures"):
            top = max(int(r["id"]) for r in records)
            await bump(self._db[schema.COUNTERS], kind, {"$max": {"seq": top}})
        return new

    async def _insert_new(self, name: str, docs: list[Doc]) -> int:
        """Insert in order; documents a unique index already holds are skipped."""
        try:
            result = await self._db[name].bulk_write([InsertOne(d) for d in docs], ordered=False)
        except BulkWriteError as exc:
            refused = refused_positions(exc)
            return len(docs) - len(refused)
        return result.inserted_count

    async def _import_statements(self, records: list[Record]) -> int:
        by_tenant: dict[str, list[Record]] = {}
        for record in records:
            by_tenant.setdefault(record["tenant"], []).append(record)
        count = 0
        for tenant, group in by_tenant.items():
            count += await self._insert_statements(tenant, group)
        return count

    async def _insert_statements(self, tenant: str, group: list[Record]) -> int:
        """Insert in the order given with fresh sequence numbers. Only a resumed copy meets
        statements already there: the ordered insert stops at the first, and the rest are
        checked and inserted with numbers after it, so the order holds (gaps are harmless)."""
        coll = self._db[schema.STATEMENTS]
        inserted, pending = 0, group
        for _ in range(MAX_ROUNDS):
            counter = await bump(
                self._db[schema.COUNTERS],
                batches.counter_id(tenant),
                {
                    "$inc": {"seq": len(pending)},
                    "$max": {"stored": max(r["stored"] for r in pending)},
                },
            )
            first = int(counter["seq"]) - len(pending) + 1
            docs = [_statement_doc(r, first + i) for i, r in enumerate(pending)]
            try:
                await coll.insert_many(docs, ordered=True)
            except BulkWriteError as exc:
                refused_positions(exc)
                done = int(exc.details.get("nInserted", 0))
                inserted += done
                rest = pending[done:]
                ids = [r["id"] for r in rest]
                where = {"t": tenant, "id": {"$in": ids}}
                there = {d["id"] async for d in coll.find(where, {"id": 1})}
                pending = [r for r in rest if r["id"] not in there]
                if not pending:
                    return inserted
                continue
            return inserted + len(docs)
        raise StoreError("statements kept appearing in the target during the copy")

    async def _import_outbox(self, records: list[Record]) -> int:
        """Rows find their statement's `seq` here; a row already there is skipped."""
        coll = self._db[schema.STATEMENTS]
        docs: list[Doc] = []
        for r in records:
            found = await coll.find_one({"t": r["tenant"], "id": r["statement_id"]}, {"seq": 1})
            if found is None:
                continue
            docs.append(
                {
                    "target_id": r["target_id"],
                    "tenant": r["tenant"],
                    "seq": found["seq"],
                    "statement_id": r["statement_id"],
                    "attempts": r["attempts"],
                    "dead": bool(r["dead"]),
                    "last_error": r["last_error"],
                    "created": r["created"],
                }
            )
        return await self._insert_new(schema.OUTBOX, docs) if docs else 0

    async def identities(self, kind: str) -> AsyncIterator[tuple[str, str]]:
        """Read with a projection (no statement body, attachment or document content), in
        chunks of IDENTITY_CHUNK: each is one short query, never one cursor over everything
        (the operation timeout bounds a whole cursor)."""
        if kind == "statements":
            for tenant in sorted(await self._tenants()):
                committed = await self._snapshot(tenant)
                seq = 0
                while docs := await self._statement_ids(tenant, seq, committed.high):
                    seq = int(docs[-1]["seq"])
                    for doc in docs:
                        if committed.visible(doc):
                            yield tenant, doc["id"]
            return
        if kind in OUTCOME_KINDS:
            cursor: Cursor = None
            while True:
                records, cursor = await self.export_records(kind, cursor, IDENTITY_CHUNK)
                if not records:
                    return
                for record in records:
                    yield identity(kind, record)
        after: Any = None
        while docs := await self._identity_chunk(kind, after):
            after = docs[-1]["_id"]
            for doc in docs:
                yield _identity_of(kind, doc)

    @driver_errors("list the tenants with statements")
    async def _tenants(self) -> list[str]:
        return list(await self._db[schema.STATEMENTS].distinct("t"))

    @driver_errors("read statement ids")
    async def _statement_ids(self, tenant: str, after: int, high: int) -> list[Doc]:
        where = {"t": tenant, "seq": {"$gt": after, "$lte": high}}
        cursor = self._db[schema.STATEMENTS].find(where, {"id": 1, "seq": 1, "p": 1})
        return await cursor.sort("seq", ASCENDING).limit(IDENTITY_CHUNK).to_list()

    @driver_errors("read record ids")
    async def _identity_chunk(self, kind: str, after: Any) -> list[Doc]:
        name = _BY_OBJECT_ID.get(kind) or _BY_KEY[kind]
        where: Doc = {} if after is None else {"_id": {"$gt": after}}
        cursor = self._db[name].find(where, {field: 1 for field in _IDENTITY[kind]})
        return await cursor.sort("_id", ASCENDING).limit(IDENTITY_CHUNK).to_list()

    @driver_errors("read the copy marks")
    async def read_marks(self) -> dict[str, Cursor]:
        doc = await self._db[schema.META].find_one({"_id": _MARKS})
        return dict(doc["marks"]) if doc is not None else {}

    @driver_errors("write a copy mark")
    async def write_mark(self, kind: str, cursor: Cursor) -> None:
        await self._db[schema.META].update_one(
            {"_id": _MARKS}, {"$set": {f"marks.{kind}": cursor}}, upsert=True
        )

    @driver_errors("count outcome records")
    async def uncopied(self) -> dict[str, int]:
        names = await self._db.list_collection_names()
        counts = {
            name: await self._db[name].count_documents({})
            for name in sorted(names)
            if name.startswith("outcome")
            and name not in outcome_transfer.COLLECTION.values()
            and name != outcome_schema.STINTS  # derived from the roster history copied
        }
        return {name: n for name, n in counts.items() if n}


def _statement_doc(record: Record, seq: int) -> Doc:
    """A committed statement document (`p` "" as in schema 1: committed whatever the markers)."""
    keys = {encode_key(KeyKind(int(kind)), key) for kind, key in record["keys"]}
    authority = encode_key(KeyKind.AUTHORITY, record["authority"]) if record["authority"] else ""
    if authority:
        keys.add(authority)
    doc: Doc = {
        "t": record["tenant"],
        "id": record["id"],
        "seq": seq,
        "stored": record["stored"],
        "voided": bool(record["voided"]),
        "p": "",
        "ref": record["ref"] or "",
        "voids": record["voids"] or "",
        "k": sorted(keys),
        "ak": authority,
        "att": sorted(attachment_sha2s(orjson.loads(record["body"]))),
        "body": record["body"],
    }
    if record["uploaded"] is not None:
        doc["up"] = list(record["uploaded"])
    return doc

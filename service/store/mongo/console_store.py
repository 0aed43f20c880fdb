"""MongoDB's console ports: sessions (a collection of their own) and the ingest overview."""

from __future__ import annotations

from collections import Counter

from service.model.console import IngestDay, LastIngest, SessionRecord, SignedInPerson
from service.store.mongo import batches, schema
from service.store.mongo.client import Doc, driver_errors
from service.store.mongo.connection import MongoConnection

DAY_MS = 86_400_000


def _session(doc: Doc) -> SessionRecord:
    person = doc.get("person")
    return SessionRecord(
        id_hash=doc["_id"],
        credential_key=doc["credential"],
        secret_stamp=doc["stamp"],
        csrf_token=doc["csrf"],
        created_ms=doc["created"],
        seen_ms=doc["seen"],
        person=None
        if person is None
        else SignedInPerson(
            person["subject"], person["name"], person["tenant"], tuple(person["scopes"])
        ),
    )


def _person_doc(person: SignedInPerson | None) -> Doc | None:
    if person is None:
        return None
    return {
        "subject": person.subject,
        "name": person.name,
        "tenant": person.tenant,
        "scopes": list(person.scopes),
    }


class MongoSessions:
    """Console sessions, one document each, keyed by the hash of the session id."""

    def __init__(self, conn: MongoConnection) -> None:
        self._conn = conn

    @driver_errors("start a console session")
    async def add_session(self, session: SessionRecord) -> None:
        await self._conn.coll(schema.SESSIONS).insert_one(
            {
                "_id": session.id_hash,
                "credential": session.credential_key,
                "stamp": session.secret_stamp,
                "csrf": session.csrf_token,
                "created": session.created_ms,
                "seen": session.seen_ms,
                "person": _person_doc(session.person),
            }
        )

    @driver_errors("read a console session")
    async def get_session(self, id_hash: str) -> SessionRecord | None:
        doc = await self._conn.coll(schema.SESSIONS).find_one({"_id": id_hash})
        return None if doc is None else _session(doc)

    @driver_errors("record console activity")
    async def touch_session(self, id_hash: str, seen_ms: int) -> None:
        await self._conn.coll(schema.SESSIONS).update_one(
            {"_id": id_hash}, {"$max": {"seen": seen_ms}}
        )

    @driver_errors("end a console session")
    async def remove_session(self, id_hash: str) -> None:
        await self._conn.coll(schema.SESSIONS).delete_one({"_id": id_hash})

    @driver_errors("drop expired console sessions")
    async def remove_sessions_before(self, seen_before_ms: int, created_before_ms: int) -> int:
        result = await self._conn.coll(schema.SESSIONS).delete_many(
            {"$or": [{"seen": {"$lt": seen_before_ms}}, {"created": {"$lt": created_before_ms}}]}
        )
        return result.deleted_count


class MongoIngestStats:
    """Counts by the authority key `ak` every statement document carries, committed statements
    only (see `batches`)."""

    def __init__(self, conn: MongoConnection) -> None:
        self._conn = conn

    @driver_errors("count statements per day")
    async def ingest_days(self, tenant: str, since_ms: int) -> list[IngestDay]:
        """Counted here from (authority, stored) pairs: memory stays one counter per day and
        authority, and date arithmetic in a pipeline is not available on every server."""
        counts: Counter[tuple[str, int]] = Counter()
        committed = await batches.snapshot(self._conn.db, tenant)
        cursor = self._conn.coll(schema.STATEMENTS).find(
            {"t": tenant, **committed.where(), "stored": {"$gte": since_ms}, "ak": {"$ne": ""}},
            {"_id": 0, "ak": 1, "stored": 1},
        )
        async for doc in cursor:
            stored = int(doc["stored"])
            counts[(_authority(doc["ak"]), stored - stored % DAY_MS)] += 1
        found = [IngestDay(ak, day, n) for (ak, day), n in counts.items()]
        return sorted(found, key=lambda row: (row.day_ms, row.authority))

    @driver_errors("find the last statement per platform")
    async def last_ingest(self, tenant: str) -> list[LastIngest]:
        committed = await batches.snapshot(self._conn.db, tenant)
        pipeline: list[Doc] = [
            {"$match": {"t": tenant, **committed.where(), "ak": {"$ne": ""}}},
            {"$group": {"_id": "$ak", "last": {"$max": "$stored"}}},
        ]
        cursor = await self._conn.coll(schema.STATEMENTS).aggregate(pipeline)
        found = [LastIngest(_authority(doc["_id"]), int(doc["last"])) async for doc in cursor]
        return sorted(found, key=lambda row: row.authority)


def _authority(encoded: str) -> str:
    """The agent key of an `ak` entry ("7:KEY")."""
    return encoded.partition(":")[2]

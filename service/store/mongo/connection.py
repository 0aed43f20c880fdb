"""The MongoDB database every port of the adapter shares: client, topology, `seq` allocator."""

from __future__ import annotations

from pymongo import AsyncMongoClient
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import ConfigurationError, ServerSelectionTimeoutError

from service.model.errors import StoreError
from service.store.mongo import admin as admin_ops
from service.store.mongo import schema
from service.store.mongo.batch_recovery import recover
from service.store.mongo.batches import COUNTER_PREFIX, PENDING, SETTLING
from service.store.mongo.client import Doc, MongoOptions, driver_errors, unreachable
from service.store.mongo.sequence import SequenceAllocator
from service.store.observer import WriteObserver

ORPHAN_AFTER_TIMEOUTS = 3  # a batch marked this many operation timeouts long has died


class MongoConnection:
    """Opened once; the ports read `db`, `client` and `sequence` from it."""

    def __init__(self, options: MongoOptions) -> None:
        self.options = options
        self._client: AsyncMongoClient[Doc] | None = None
        self._db: AsyncDatabase[Doc] | None = None
        self._sequence: SequenceAllocator | None = None
        self.write_observer: WriteObserver | None = None  # metrics, set before open (issue 7)

    @property
    def db(self) -> AsyncDatabase[Doc]:
        if self._db is None:
            raise StoreError("the store is not open")
        return self._db

    @property
    def client(self) -> AsyncMongoClient[Doc]:
        if self._client is None:
            raise StoreError("the store is not open")
        return self._client

    @property
    def sequence(self) -> SequenceAllocator:
        if self._sequence is None:
            raise StoreError("the store is not open")
        return self._sequence

    def coll(self, name: str) -> AsyncCollection[Doc]:
        return self.db[name]

    async def open(self) -> None:
        """Connect, learn the topology and create missing indexes (idempotent)."""
        try:
            client = self.options.client()
        except ConfigurationError as exc:
            raise StoreError(f"LRS_STORE_URL is not a usable MongoDB URL: {exc}") from None
        try:
            await self._connect(client)
        except BaseException:
            await client.close()
            raise
        self._client = client
        self._sequence = SequenceAllocator(
            self.db[schema.COUNTERS], lag_ms=self.options.settings.consistency_lag_ms
        )

    @driver_errors("open the database")
    async def _connect(self, client: AsyncMongoClient[Doc]) -> None:
        """Make the database ready for this release, and finish what dead writers left."""
        try:
            await client.admin.command("hello")
        except ServerSelectionTimeoutError:
            raise unreachable(client) from None  # no driver traceback: the line says it all
        db = client.get_default_database(default="lrs")
        recorded = await schema.check_schema_version(db)
        await schema.ensure_indexes(db)
        await schema.upgrade(db, recorded)
        await admin_ops.ensure_default_tenant(db[schema.TENANTS])
        await schema.record_schema_version(db)
        await self._recover(db)
        self._db = db

    async def _recover(self, db: AsyncDatabase[Doc]) -> None:
        """Resolve batches that writers which died left marked (see `batches`)."""
        older_than_ms = ORPHAN_AFTER_TIMEOUTS * self.options.timeout_ms
        async for counter in db[schema.COUNTERS].find({}):
            name = str(counter["_id"])
            if name.startswith(COUNTER_PREFIX) and (counter.get(PENDING) or counter.get(SETTLING)):
                tenant = name.removeprefix(COUNTER_PREFIX)
                await recover(db, tenant, counter, older_than_ms)

    async def close(self) -> None:
        client, self._client, self._db = self._client, None, None
        if client is not None:
            await client.close()

    @driver_errors("answer a ping")
    async def ping(self) -> None:
        """A round trip to the server (readiness)."""
        await self.db.command("ping")

    @driver_errors("report its size")
    async def size_bytes(self) -> int:
        """Storage and index bytes as `dbStats` reports them (0 where a server reports none)."""
        stats = await self.db.command("dbStats")
        return int(stats.get("storageSize", 0) or 0) + int(stats.get("indexSize", 0) or 0)

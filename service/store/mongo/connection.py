"""The MongoDB database every port of the adapter shares: client, topology, `seq` allocator."""

from __future__ import annotations

from pymongo import AsyncMongoClient
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import ConfigurationError, ServerSelectionTimeoutError

from service.model.errors import StoreError
from service.store.mongo import admin as admin_ops
from service.store.mongo import schema
from service.store.mongo.client import (
    Doc,
    MongoOptions,
    driver_errors,
    supports_transactions,
    unreachable,
)
from service.store.mongo.sequence import SequenceAllocator
from service.store.observer import WriteObserver


class MongoConnection:
    """Opened once; the ports read `db`, `client`, `sequence` and `transactions` from it."""

    def __init__(self, options: MongoOptions) -> None:
        self.options = options
        self._client: AsyncMongoClient[Doc] | None = None
        self._db: AsyncDatabase[Doc] | None = None
        self._sequence: SequenceAllocator | None = None
        self.transactions = False
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
            hello = await self._connect(client)
        except BaseException:
            await client.close()
            raise
        mode = self.options.transactions
        self.transactions = mode == "always" or (mode == "auto" and supports_transactions(hello))
        self._client = client
        self._sequence = SequenceAllocator(
            self.db[schema.COUNTERS], lag_ms=self.options.consistency_lag_ms
        )

    @driver_errors("open the database")
    async def _connect(self, client: AsyncMongoClient[Doc]) -> Doc:
        """The server's `hello`, once the database is ready for this release."""
        try:
            hello = await client.admin.command("hello")
        except ServerSelectionTimeoutError:
            raise unreachable(client) from None  # no driver traceback: the line says it all
        db = client.get_default_database(default="lrs")
        await schema.check_schema_version(db)
        await schema.ensure_indexes(db)
        await admin_ops.ensure_default_tenant(db[schema.TENANTS])
        await schema.record_schema_version(db)
        self._db = db
        return hello

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

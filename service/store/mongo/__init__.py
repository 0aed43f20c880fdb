"""The MongoDB store: PyMongo's native asyncio client, one collection per kind of record."""

from service.store.mongo.client import MongoOptions
from service.store.mongo.store import MongoStore

__all__ = ["MongoOptions", "MongoStore"]

"""Connection options, topology detection and driver-error translation for the MongoDB store."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any, ParamSpec, TypeVar

from bson.errors import BSONError
from pymongo import AsyncMongoClient
from pymongo.errors import (
    ExecutionTimeout,
    NetworkTimeout,
    PyMongoError,
    ServerSelectionTimeoutError,
    WTimeoutError,
)

from service.model.errors import StoreError
from service.settings import MongoSettings, Settings

P = ParamSpec("P")
T = TypeVar("T")
Doc = dict[str, Any]

log = logging.getLogger("service.store.mongo")


@dataclass(frozen=True, slots=True)
class MongoOptions:
    """Where the MongoDB store is (the store URL) and its connection settings (LRS_MONGO_*)."""

    url: str
    # by default the defaults, without reading the environment
    settings: MongoSettings = field(default_factory=MongoSettings.model_construct)

    @classmethod
    def from_settings(cls, settings: Settings) -> MongoOptions:
        return cls(settings.store_url, settings.mongo)

    @property
    def timeout_ms(self) -> int:
        """PyMongo's client-side operation timeout (timeoutMS)."""
        return self.settings.timeout_ms

    def client(self) -> AsyncMongoClient[Doc]:
        """An unconnected client; URL options win over these defaults."""
        concern = self.settings.write_concern
        w: str | int = int(concern) if concern.isdigit() else concern
        return AsyncMongoClient(
            self.url,
            w=w,
            journal=self.settings.journal,
            readPreference=self.settings.read_preference,
            timeoutMS=self.timeout_ms,  # bounds server selection and connecting too
            appname="lrs-service",
        )


def unreachable(client: AsyncMongoClient[Doc]) -> StoreError:
    """One line for a server selection that timed out: the hosts, the timeout, what to check."""
    seeds = sorted(client.topology_description.server_descriptions())
    hosts = ", ".join(f"{host}:{port}" for host, port in seeds) or "the hosts of LRS_STORE_URL"
    timeout = client.options.timeout
    within = f" within {round(timeout * 1000)} ms" if timeout else ""
    return StoreError(
        f"MongoDB at {hosts} did not answer{within}: check that the server is running and "
        "reachable from here (host, port, replicaSet and TLS options in LRS_STORE_URL, "
        "firewall), or allow longer with LRS_MONGO_TIMEOUT_MS"
    )


def _reason(exc: BaseException) -> str:
    if isinstance(exc, ServerSelectionTimeoutError):
        return "the server is unreachable"
    if isinstance(exc, ExecutionTimeout | NetworkTimeout | WTimeoutError):
        return "the operation timed out"
    if isinstance(exc, BSONError):
        return "a record is too large or not storable"
    return type(exc).__name__


def store_error(action: str, exc: BaseException) -> StoreError:
    """Log a driver failure with its details; return the client-safe 500 (T-21)."""
    log.error("MongoDB could not %s", action, exc_info=exc)
    return StoreError(f"the MongoDB store could not {action}: {_reason(exc)}")


Method = Callable[P, Coroutine[Any, Any, T]]


def driver_errors(action: str) -> Callable[[Method[P, T]], Method[P, T]]:
    """Turn any PyMongo/BSON error escaping the call into one StoreError (T-21)."""

    def decorate(func: Method[P, T]) -> Method[P, T]:
        @functools.wraps(func)
        async def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
            try:
                return await func(*args, **kwargs)
            except (PyMongoError, BSONError) as exc:
                raise store_error(action, exc) from exc

        return wrapper

    return decorate


def between(since: int | None, until: int | None) -> Doc:
    """The condition on a field of `since <= value < until` (either end open when None)."""
    condition: Doc = {}
    if since is not None:
        condition["$gte"] = since
    if until is not None:
        condition["$lt"] = until
    return condition

"""The MongoDB server the tests run against: LRS_TEST_MONGODB_URL, one fresh database per test.

`make test` starts the wire-compatible test server and sets the variable; point it at a genuine
MongoDB to run the same tests there.
"""

from __future__ import annotations

import os
import uuid
from functools import cache

from pymongo import AsyncMongoClient, MongoClient
from pymongo.uri_parser import parse_uri

MONGODB_URL = os.environ.get("LRS_TEST_MONGODB_URL")


def database_url(base: str, name: str) -> str:
    """The server URL with a database path (query options kept)."""
    address, _, options = base.partition("?")
    parsed = parse_uri(base)
    prefix = address.rsplit("/", 1)[0] if parsed.get("database") else address.rstrip("/")
    return f"{prefix}/{name}" + (f"?{options}" if options else "")


def fresh_database_url() -> str:
    """A URL naming a database no other test uses."""
    assert MONGODB_URL is not None
    return database_url(MONGODB_URL, f"lrs_test_{uuid.uuid4().hex[:16]}")


async def drop_database(url: str) -> None:
    client: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(url)
    try:
        await client.drop_database(client.get_default_database().name)
    finally:
        await client.close()


@cache
def genuine_mongodb() -> bool:
    """Whether the configured server is a genuine MongoDB (not the test server), asked once."""
    assert MONGODB_URL is not None
    client: MongoClient[dict[str, object]] = MongoClient(MONGODB_URL)
    try:
        build = client.admin.command("buildInfo")
    finally:
        client.close()
    return isinstance(build.get("version"), str) and "gitVersion" in build


def store_summary(stats: dict[str, list[object]]) -> str:
    """One line for the end of the run: how many tests passed against which store."""
    counts = {"sqlite": 0, "mongodb": 0}
    for report in stats.get("passed", []):
        params = getattr(report, "nodeid", "").partition("[")[2]
        kind = next((k for k in ("mongodb", "sqlite") if k in params), None)
        if kind is not None:
            counts[kind] += 1
    if MONGODB_URL:
        genuine = "genuine MongoDB" if genuine_mongodb() else "wire-compatible test server"
        where = f"{MONGODB_URL} ({genuine})"
    else:
        where = "not configured (LRS_TEST_MONGODB_URL unset)"
    passed = ", ".join(f"{kind} {count}" for kind, count in counts.items())
    return f"store-parametrized tests passed: {passed}; MongoDB: {where}"

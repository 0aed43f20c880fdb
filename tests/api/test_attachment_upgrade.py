"""Statements stored before the store recorded the attachment data sent with each (AT-20).

SQLite schema 2 has no `uploaded` column and MongoDB documents then had no `up` field. After
the upgrade such a statement keeps the parts of its attachments without `fileUrl` (it could
only be stored with their bytes, AT-2); one that sent bytes alongside a `fileUrl` attachment
gets no part for it, since whether its bytes came with it can no longer be told.
"""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI
from pymongo import AsyncMongoClient

from service.app import create_app
from service.settings import Settings
from service.store.sqlite.schema import SCHEMA_VERSION, sqlite_path
from tests.api.multipart_helpers import attachment_meta, multipart_body, sha256
from tests.builders import statement
from tests.tenancy_support import STATEMENTS, client, issue

OLD_PLAIN = b"uploaded without fileUrl, before the upgrade"
OLD_LINKED = b"uploaded with a fileUrl, before the upgrade"
NEW_LINKED = b"uploaded with a fileUrl, after the upgrade"
URL = "http://over.there.com/file.txt"


@asynccontextmanager
async def _running(settings: Settings) -> AsyncIterator[FastAPI]:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        yield app


async def _upload(c: httpx.AsyncClient, data: bytes, **extra: str) -> str:
    stmt = statement(attachments=[attachment_meta(data, "text/plain", **extra)])
    body, content_type = multipart_body(stmt, [(data, "text/plain")])
    answer = await c.post(STATEMENTS, content=body, headers={"Content-Type": content_type})
    assert answer.status_code == 200, answer.text
    statement_id: str = stmt["id"]
    return statement_id


async def _parts(c: httpx.AsyncClient, statement_id: str, data: bytes) -> int:
    """How often the data's hash appears in its statement's attachments=true answer."""
    answer = await c.get(STATEMENTS, params={"statementId": statement_id, "attachments": "true"})
    assert answer.status_code == 200, answer.text
    return answer.content.count(sha256(data).encode())


async def _make_old(store_url: str) -> None:
    """Turn the stopped store into what the release before this one left behind."""
    if store_url.startswith("sqlite"):
        with sqlite3.connect(sqlite_path(store_url)) as conn:
            conn.execute("ALTER TABLE statements DROP COLUMN uploaded")
            conn.execute("UPDATE meta SET value = '2' WHERE name = 'schema_version'")
        return
    mongo: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(store_url)
    try:
        statements = mongo.get_default_database()["statements"]
        await statements.update_many({}, {"$unset": {"up": ""}})
    finally:
        await mongo.close()


async def test_an_upgraded_store_keeps_serving_its_parts(settings: Settings) -> None:
    """AT-20: old statements without `fileUrl` keep their parts after the upgrade, old
    `fileUrl` ones get none (AT-21), and new ones follow the recorded rule."""
    async with _running(settings) as app:
        who = await issue(app, scopes=("statements/write", "statements/read"))
        async with client(app, who) as c:
            plain = await _upload(c, OLD_PLAIN)
            linked = await _upload(c, OLD_LINKED, fileUrl=URL)
    await _make_old(settings.store_url)
    async with _running(settings) as app, client(app, who) as c:
        assert await _parts(c, plain, OLD_PLAIN) == 2
        assert await _parts(c, linked, OLD_LINKED) == 1
        fresh = await _upload(c, NEW_LINKED, fileUrl=URL)
        assert await _parts(c, fresh, NEW_LINKED) == 2
    if settings.store_url.startswith("sqlite"):
        with sqlite3.connect(sqlite_path(settings.store_url)) as conn:
            meta = dict(conn.execute("SELECT name, value FROM meta").fetchall())
        assert meta["schema_version"] == str(SCHEMA_VERSION) == "5"

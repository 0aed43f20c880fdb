"""Forwarded statements carry the attachment data they were sent with, and only that (AT-20).

The LRS forwards to a real HTTP server on loopback, on each store.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from service.app import create_app
from tests.api.multipart_helpers import attachment_meta, multipart_body, sha256
from tests.builders import statement
from tests.conftest import make_settings
from tests.forwarding.receiver import Receiver, Served, free_port
from tests.forwarding.test_outage import FAST_RETRIES, eventually
from tests.tenancy_support import STATEMENTS, client, issue

pytestmark = pytest.mark.asyncio
LINKED = b"sent alongside a fileUrl"
VICTIM = b"somebody else's file"
URL = "http://over.there.com/file.txt"


@pytest.fixture
async def forwarding_app(tmp_path: Path, store_url: str) -> AsyncIterator[FastAPI]:
    app = create_app(make_settings(tmp_path, store_url=store_url, **FAST_RETRIES))
    async with app.router.lifespan_context(app):
        yield app


async def _upload(c: httpx.AsyncClient, stmt: dict[str, Any], data: bytes) -> None:
    body, content_type = multipart_body(stmt, [(data, "text/plain")])
    answer = await c.post(STATEMENTS, content=body, headers={"Content-Type": content_type})
    assert answer.status_code == 200, answer.text


async def test_forwarding_sends_the_data_each_statement_came_with(forwarding_app: FastAPI) -> None:
    """AT-20: a `fileUrl` attachment whose bytes came with it is forwarded with its part; a
    `fileUrl`-only statement naming another statement's hash is forwarded without one."""
    app = forwarding_app
    admin = await issue(app, scopes=("admin",), name="ops")
    owner = await issue(app, scopes=("statements/write",), name="hr")
    prober = await issue(app, scopes=("statements/write",), name="prober")
    linked = statement(attachments=[attachment_meta(LINKED, fileUrl=URL)])
    victim = statement(attachments=[attachment_meta(VICTIM)])
    probe = statement(attachments=[attachment_meta(VICTIM, fileUrl="http://x.example/f")])
    ports = {owner.key: free_port(), prober.key: free_port()}
    receivers = {key: Receiver() for key in ports}
    async with client(app, admin) as ops, client(app, owner) as hr, client(app, prober) as p:
        for key, port in ports.items():  # one target per writer: the probe travels alone
            target = await ops.post(
                "/admin/tenants/default/forwarding",
                json={
                    "name": key,
                    "kind": "xapi",
                    "url": f"http://127.0.0.1:{port}/xapi",
                    "filter": {"credentials": [key]},
                },
            )
            assert target.status_code == 201, target.text
        await _upload(hr, linked, LINKED)
        await _upload(hr, victim, VICTIM)
        assert (await p.post(STATEMENTS, json=probe)).status_code == 200
        owners, probes = receivers[owner.key], receivers[prober.key]
        async with Served(owners, ports[owner.key]), Served(probes, ports[prober.key]):
            await eventually(lambda: len(owners.ids) >= 2 and len(probes.ids) >= 1)
    assert (owners.ids, probes.ids) == ([linked["id"], victim["id"]], [probe["id"]])
    owned = b"".join(request["body"] for request in owners.requests)
    for data in (LINKED, VICTIM):
        assert owned.count(b"X-Experience-API-Hash: " + sha256(data).encode()) == 1
        assert data in owned
    (probed,) = probes.requests
    assert probed["headers"]["content-type"] == "application/json"  # no parts at all
    assert VICTIM not in probed["body"]

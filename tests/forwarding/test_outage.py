"""Forwarding through an outage: the target is down, ingest goes on, then every statement
arrives once, in `stored` order, at a real HTTP server (issue 5)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from fastapi import FastAPI

from service.app import create_app
from tests.builders import statement
from tests.conftest import make_settings
from tests.forwarding.receiver import Receiver, Served, free_port
from tests.tenancy_support import STATEMENTS, client, issue

pytestmark = pytest.mark.asyncio
FAST_RETRIES = {
    "forward_poll_seconds": 0.05,
    "forward_retry_base_seconds": 0.05,
    "forward_retry_max_seconds": 0.2,
    "forward_timeout_seconds": 1.0,
    "forward_batch_size": 7,
    "forward_allowed_networks": "127.0.0.1",  # the receiver runs on loopback
}


@pytest.fixture
async def forwarding_app(tmp_path: Path) -> AsyncIterator[FastAPI]:
    app = create_app(make_settings(tmp_path, **FAST_RETRIES))
    async with app.router.lifespan_context(app):
        yield app


async def eventually(check: Callable[[], bool], seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.05)


async def test_outage_then_recovery_delivers_all_once_in_order(forwarding_app: FastAPI) -> None:
    """Down for a while, ingest stays fast; then every statement arrives once, in order."""
    app = forwarding_app
    port = free_port()
    admin = await issue(app, scopes=("admin",), name="ops")
    lms = await issue(app, scopes=("statements/write",), name="lms")
    lxp = await issue(app, scopes=("statements/write",), name="lxp")
    async with client(app, admin) as ops:
        target = await ops.post(
            "/admin/tenants/default/forwarding",
            json={
                "name": "warehouse",
                "kind": "xapi",
                "url": f"http://127.0.0.1:{port}/xapi",
                "username": "k",
                "password": "s",
            },
        )
        assert target.status_code == 201, target.text
        stored_order: list[str] = []
        async with client(app, lms) as a, client(app, lxp) as b:
            for round_ in range(6):
                for c in (a, b):
                    began = time.monotonic()
                    response = await c.post(STATEMENTS, json=[statement() for _ in range(4)])
                    assert response.status_code == 200
                    assert time.monotonic() - began < 1.0  # the outage never slows ingest
                    stored_order += response.json()
                if round_ == 2:
                    await asyncio.sleep(0.4)  # several failed attempts meanwhile
        status = (await ops.get("/admin/tenants/default/forwarding")).json()["targets"][0]
        assert status["failures"] > 0
        assert status["last_error"]
        assert status["pending"] == len(stored_order)
        receiver = Receiver()
        async with Served(receiver, port):
            await eventually(lambda: len(receiver.ids) >= len(stored_order))
            await asyncio.sleep(0.3)  # nothing more (no duplicates) arrives
        assert receiver.ids == stored_order
        request = receiver.requests[0]
        assert request["path"] == "/xapi/statements"
        assert request["headers"]["authorization"].startswith("Basic ")
        assert request["headers"]["x-experience-api-version"] == "1.0.3"
        done = (await ops.get("/admin/tenants/default/forwarding")).json()["targets"][0]
        assert (done["pending"], done["delivered"], done["failures"]) == (0, len(stored_order), 0)


async def test_filters_and_signed_webhook(forwarding_app: FastAPI) -> None:
    """Verb and platform filters choose what a target gets; webhooks carry an HMAC signature."""
    import hashlib
    import hmac

    app = forwarding_app
    port = free_port()
    admin = await issue(app, scopes=("admin",), name="ops")
    lms = await issue(app, scopes=("statements/write",), name="lms")
    lxp = await issue(app, scopes=("statements/write",), name="lxp")
    receiver = Receiver()
    async with Served(receiver, port), client(app, admin) as ops:
        hook = await ops.post(
            "/admin/tenants/default/forwarding",
            json={
                "name": "hook",
                "kind": "webhook",
                "url": f"http://127.0.0.1:{port}/hook",
                "secret": "shh",
                "filter": {
                    "verbs": ["http://example.org/verbs/passed"],
                    "credentials": [lms.key],
                },
            },
        )
        assert hook.status_code == 201, hook.text
        assert "shh" not in hook.text
        wanted = statement(verb="passed")
        async with client(app, lms) as a, client(app, lxp) as b:
            await a.post(STATEMENTS, json=[statement(verb="failed"), wanted])
            await b.post(STATEMENTS, json=statement(verb="passed"))
        await eventually(lambda: len(receiver.ids) >= 1)
        await asyncio.sleep(0.3)
    assert receiver.ids == [wanted["id"]]
    request = receiver.requests[0]
    expected = hmac.new(b"shh", request["body"], hashlib.sha256).hexdigest()
    assert request["headers"]["x-lrs-signature"] == f"sha256={expected}"


async def test_dead_letters_then_requeue(tmp_path: Path) -> None:
    """A target that keeps failing dead-letters after N attempts; admins see and requeue them."""
    settings = make_settings(tmp_path, **{**FAST_RETRIES, "forward_max_attempts": 2})
    app = create_app(settings)
    port = free_port()
    receiver = Receiver(mode="fail")
    async with app.router.lifespan_context(app), Served(receiver, port):
        admin = await issue(app, scopes=("admin",), name="ops")
        writer = await issue(app, scopes=("statements/write",))
        async with client(app, admin) as ops, client(app, writer) as w:
            created = await ops.post(
                "/admin/tenants/default/forwarding",
                json={"name": "flaky", "kind": "xapi", "url": f"http://127.0.0.1:{port}/xapi"},
            )
            target_id = created.json()["id"]
            first, second = statement(), statement()
            await w.post(STATEMENTS, json=[first, second])

            async def dead() -> list[dict[str, object]]:
                response = await ops.get("/admin/tenants/default/dead-letters")
                letters: list[dict[str, object]] = response.json()["dead_letters"]
                return letters

            for _ in range(400):
                letters = await dead()
                if len(letters) == 2:
                    break
                await asyncio.sleep(0.05)
            assert [d["statement_id"] for d in letters] == [first["id"], second["id"]]
            assert all(d["attempts"] == 2 and "500" in str(d["last_error"]) for d in letters)
            receiver.mode = "ok"
            requeued = await ops.post(
                "/admin/tenants/default/dead-letters/requeue", json={"target_id": target_id}
            )
            assert requeued.json() == {"requeued": 2}
            await eventually(lambda: len(receiver.ids) >= 2)
            assert receiver.ids == [first["id"], second["id"]]
            assert await dead() == []


async def test_hanging_target_never_slows_ingest(tmp_path: Path) -> None:
    """A downstream that does not answer times out in the sender, not in the request."""
    settings = make_settings(tmp_path, **{**FAST_RETRIES, "forward_timeout_seconds": 0.3})
    app = create_app(settings)
    port = free_port()
    receiver = Receiver(mode="hang", hang_seconds=1.0)
    async with app.router.lifespan_context(app), Served(receiver, port):
        admin = await issue(app, scopes=("admin",), name="ops")
        writer = await issue(app, scopes=("statements/write",))
        async with client(app, admin) as ops, client(app, writer) as w:
            await ops.post(
                "/admin/tenants/default/forwarding",
                json={"name": "slow", "kind": "xapi", "url": f"http://127.0.0.1:{port}/xapi"},
            )
            for _ in range(5):
                began = time.monotonic()
                assert (await w.post(STATEMENTS, json=statement())).status_code == 200
                assert time.monotonic() - began < 0.25
                await asyncio.sleep(0.1)
            await eventually(lambda: len(receiver.requests) >= 1)
            status = (await ops.get("/admin/tenants/default/forwarding")).json()["targets"][0]
            assert status["pending"] == 5
            receiver.mode = "ok"
            await eventually(lambda: len(receiver.ids) >= 5)

"""Forwarding cannot be turned against the service's own network (server-side request forgery).

A tenant admin picks forwarding URLs; by default the service refuses targets on loopback,
link-local (cloud metadata), private, shared and reserved addresses, at creation and again at
every send, and never echoes a downstream's answer back in `last_error` (issue 14).
"""

from __future__ import annotations

import asyncio
import ipaddress
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from service.app import create_app
from service.forwarding.addresses import AddressPolicy, parse_networks
from tests.builders import statement
from tests.conftest import make_settings
from tests.forwarding.receiver import Receiver, Served, free_port
from tests.tenancy_support import STATEMENTS, client, issue

FAST = {
    "forward_poll_seconds": 0.05,
    "forward_retry_base_seconds": 0.05,
    "forward_retry_max_seconds": 0.2,
    "forward_timeout_seconds": 1.0,
}
TARGETS = "/admin/tenants/default/forwarding"


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:{port}/admin/tenants",
        "http://localhost:{port}/admin/",
        "http://[::1]:{port}/",
        "http://[::ffff:127.0.0.1]:{port}/",
        "http://0.0.0.0:{port}/",
        "http://169.254.169.254/latest/meta-data/iam/",
        "http://10.1.2.3/xapi",
        "http://192.168.0.10/xapi",
        "http://100.100.100.200/latest/meta-data/",
        "http://[fd00:ec2::254]/latest/",
        "http://2130706433:{port}/",
    ],
)
async def test_private_targets_are_refused_at_creation(tmp_path: Path, url: str) -> None:
    app = create_app(make_settings(tmp_path, **FAST))
    async with app.router.lifespan_context(app):
        admin = await issue(app, scopes=("admin",), name="ops")
        async with client(app, admin) as ops:
            answer = await ops.post(
                TARGETS, json={"name": "probe", "kind": "webhook", "url": url.format(port=9)}
            )
            assert answer.status_code == 400, answer.text
            assert "not a public address" in answer.json()["message"]
            assert "LRS_FORWARD_ALLOWED_NETWORKS" in answer.json()["message"]
            assert (await ops.get(TARGETS)).json()["targets"] == []


async def test_a_refused_address_is_refused_again_at_send_time(tmp_path: Path) -> None:
    """A target created while its address was allowed (or while its name resolved to a public
    address) is checked again when the sender connects: nothing reaches the receiver."""
    port = free_port()
    receiver = Receiver()
    url = f"http://127.0.0.1:{port}/hook"
    allowed = create_app(make_settings(tmp_path, **FAST, forward_allowed_networks="127.0.0.1"))
    async with allowed.router.lifespan_context(allowed):
        admin = await issue(allowed, scopes=("admin",), name="ops")
        writer = await issue(allowed, scopes=("statements/write",), name="lms")
        async with client(allowed, admin) as ops:
            created = await ops.post(TARGETS, json={"name": "t", "kind": "webhook", "url": url})
            assert created.status_code == 201, created.text
    app = create_app(make_settings(tmp_path, **FAST))  # same store, default policy
    async with app.router.lifespan_context(app), Served(receiver, port):
        async with client(app, writer) as w:
            assert (await w.post(STATEMENTS, json=statement())).status_code == 200
        async with client(app, admin) as ops:
            status = await _after_a_failure(ops)
    assert receiver.requests == []
    assert status["last_error"].startswith("ConnectError: refused: 127.0.0.1:")
    assert status["pending"] == 1


async def test_last_error_is_a_status_line_not_the_downstream_body(tmp_path: Path) -> None:
    """A downstream's answer never comes back to the tenant admin through `last_error`."""
    port = free_port()
    receiver = Receiver(mode="fail")  # answers 500 {"error":"down for maintenance"}
    settings = make_settings(tmp_path, **FAST, forward_allowed_networks="127.0.0.0/8")
    app = create_app(settings)
    async with app.router.lifespan_context(app), Served(receiver, port):
        admin = await issue(app, scopes=("admin",), name="ops")
        writer = await issue(app, scopes=("statements/write",), name="lms")
        async with client(app, admin) as ops, client(app, writer) as w:
            url = f"http://127.0.0.1:{port}/xapi"
            created = await ops.post(TARGETS, json={"name": "x", "kind": "xapi", "url": url})
            assert created.status_code == 201, created.text
            assert (await w.post(STATEMENTS, json=statement())).status_code == 200
            status = await _after_a_failure(ops)
    assert receiver.requests  # it was reached: the allow-list let it through
    assert status["last_error"] == "HTTP 500 Internal Server Error"


@pytest.mark.parametrize(
    ("address", "refused"),
    [
        ("93.184.215.14", False),
        ("2606:2800:21f:cb07:6820:80da:af6b:8b2c", False),
        ("127.0.0.2", True),
        ("169.254.169.254", True),
        ("172.16.5.4", True),
        ("100.64.0.1", True),
        ("224.0.0.1", True),
        ("255.255.255.255", True),
        ("::", True),
        ("fe80::1", True),
        ("::ffff:10.0.0.1", True),
    ],
)
def test_policy_refuses_every_non_public_address(address: str, refused: bool) -> None:
    assert (AddressPolicy().refusal(ipaddress.ip_address(address)) is not None) is refused


def test_allowed_networks_open_only_what_they_name() -> None:
    policy = AddressPolicy(parse_networks("127.0.0.1, 10.20.0.0/16"))
    assert policy.refusal(ipaddress.ip_address("127.0.0.1")) is None
    assert policy.refusal(ipaddress.ip_address("10.20.30.40")) is None
    assert policy.refusal(ipaddress.ip_address("127.0.0.2")) is not None
    assert policy.refusal(ipaddress.ip_address("169.254.169.254")) is not None


def test_a_bad_allowed_network_stops_the_start(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"10\.0\.0\.0/33"):
        make_settings(tmp_path, forward_allowed_networks="10.0.0.0/33")


async def _after_a_failure(ops: httpx.AsyncClient) -> dict[str, Any]:
    """The target's status once the sender has failed at least once."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        status: dict[str, Any] = (await ops.get(TARGETS)).json()["targets"][0]
        if status["last_error"]:
            return status
        await asyncio.sleep(0.05)
    raise AssertionError("the sender never failed")

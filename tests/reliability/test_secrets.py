"""No secret reaches a log line or an error body: a served LRS at debug level, read back whole.

Covered: the bootstrap secret, Authorization headers (good, wrong, oversized), a forwarding
target's password (its failures are logged), and the password in a MongoDB store URL.
"""

from __future__ import annotations

import base64
import time
from pathlib import Path

import httpx

from tests.builders import statement
from tests.server.served import exit_of_serve, free_port, running_lrs

KEY = "sec-key"
SECRET = "Bootstrap-S3cret-8d1f"
WRONG = "Wrong-S3cret-71c2"
TARGET_PASSWORD = "Forward-S3cret-4b9e"
STORE_PASSWORD = "Store-S3cret-a0d7"
SECRETS = (SECRET, WRONG, TARGET_PASSWORD, STORE_PASSWORD)


def basic(secret: str) -> str:
    return "Basic " + base64.b64encode(f"{KEY}:{secret}".encode()).decode()


def leaked(text: str) -> list[str]:
    """The secrets (or their Basic encodings) that appear in `text`."""
    encodings = [basic(s).split()[1] for s in SECRETS]
    return [s for s in (*SECRETS, *encodings) if s in text]


def _exercise(base: str) -> list[str]:
    """Requests that carry secrets; returns every response body."""
    version = {"X-Experience-API-Version": "2.0.0"}
    bodies: list[str] = []
    with httpx.Client(base_url=base, headers=version, timeout=30) as http:
        good = {"Authorization": basic(SECRET)}
        requests = [
            http.get("/xapi/statements", headers=good),
            http.get("/xapi/statements", headers={"Authorization": basic(WRONG)}),
            http.get("/xapi/statements", headers={"Authorization": f"Basic {WRONG}"}),
            http.get("/xapi/statements", headers={**good, "X-Padding": "p" * 20_000}),
            http.get("/xapi/statements", headers=good, params={"agent": SECRET}),
            http.post(
                "/admin/tenants/default/forwarding",
                headers=good,
                json={
                    "name": "in-url",
                    "kind": "xapi",
                    "url": f"http://user:{TARGET_PASSWORD}@127.0.0.1:9/xapi",
                },
            ),
            http.post(
                "/admin/tenants/default/forwarding",
                headers=good,
                json={"name": "bad", "kind": "webhook", "url": "x", "password": TARGET_PASSWORD},
            ),
        ]
        assert [r.status_code for r in requests] == [200, 401, 401, 431, 400, 400, 400]
        target = http.post(
            "/admin/tenants/default/forwarding",
            headers=good,
            json={
                "name": "down",
                "kind": "xapi",
                "url": f"http://127.0.0.1:{free_port()}/xapi",
                "username": "fwd",
                "password": TARGET_PASSWORD,
            },
        )
        assert target.status_code == 201, target.text
        posted = http.post("/xapi/statements", headers=good, json=statement())
        assert posted.status_code == 200
        bodies.extend(r.text for r in (*requests, target, posted))
        bodies.append(_wait_for_a_delivery_failure(http, good))
    return bodies


def _wait_for_a_delivery_failure(http: httpx.Client, auth: dict[str, str]) -> str:
    """The target listing once the sender has failed to deliver (and logged it)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        listing = http.get("/admin/tenants/default/forwarding", headers=auth)
        if any(t["last_error"] for t in listing.json()["targets"]):
            return listing.text
        time.sleep(0.2)
    raise AssertionError("the forwarding sender never reported a failure")


def test_secrets_stay_out_of_logs_and_error_bodies(tmp_path: Path) -> None:
    """Access log, start-up log, error log at debug level; every response body."""
    settings = {
        "LRS_LOG_LEVEL": "debug",
        "LRS_FORWARD_POLL_SECONDS": "0.2",
        "LRS_FORWARD_RETRY_BASE_SECONDS": "0.2",
        "LRS_FORWARD_ALLOWED_NETWORKS": "127.0.0.1",
    }
    with running_lrs(tmp_path, KEY, SECRET, **settings) as base:
        bodies = _exercise(base)
    log = (tmp_path / "server.log").read_text()
    assert '"event":"request"' in log  # the access log was written
    assert "forwarding to down" in log  # and the delivery failure
    assert not leaked(log), log
    for body in bodies:
        assert not leaked(body), body


def test_store_url_password_stays_out_of_the_start_up_failure(tmp_path: Path) -> None:
    """An unreachable MongoDB named with a password: the refusal does not print it."""
    url = f"mongodb://lrs:{STORE_PASSWORD}@127.0.0.1:{free_port()}/lrs"
    env = {
        "LRS_PORT": str(free_port()),
        "LRS_STORE_URL": url,
        "LRS_MONGO_TIMEOUT_MS": "300",
        "LRS_BOOTSTRAP_KEY": KEY,
        "LRS_BOOTSTRAP_SECRET": SECRET,
        "LRS_LOG_LEVEL": "debug",
    }
    code, output = exit_of_serve(env, tmp_path / "out.log", 60)
    assert code == 1
    assert "cannot start: the store is not usable" in output
    assert not leaked(output), output

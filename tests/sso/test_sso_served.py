"""Single sign-on through a real OpenID Provider (issue 20): oidc-provider under Node, a served
LRS (uvicorn), and a person at a browser who signs in with the OP's own forms.

L&D analysts (group lnd-analysts) get outcome scopes in tenant acme, IT (it-ops) is an
operator, Sales maps to nothing and is refused; logout ends the session here and at the OP;
a tampered state or nonce signs nobody in. Every sign-in and logout is in the audit log.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.server.served import free_port, serve, wait_ready
from tests.sso.browsing import walk, with_query
from tests.sso.provider import CLIENT_ID, CLIENT_SECRET, openid_provider

KEY, SECRET = "sso-bootstrap", "sso-bootstrap-secret-0123456789"
MAPPING = {
    "lnd-analysts": {"tenant": "acme", "scopes": ["outcomes/read", "statements/read"]},
    "it-ops": {"tenant": "default", "scopes": ["operator"]},
}
CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)">')


@dataclass(frozen=True)
class World:
    lrs: str
    issuer: str
    log: Path

    def audit(self, **filters: str) -> list[dict[str, object]]:
        answer = httpx.get(f"{self.lrs}/admin/audit", params=filters, auth=(KEY, SECRET))
        assert answer.status_code == 200, answer.text
        events: list[dict[str, object]] = answer.json()["events"]
        return events


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    data = tmp_path_factory.mktemp("sso")
    port = free_port()
    lrs = f"http://127.0.0.1:{port}"
    with openid_provider(lrs, data / "provider.log") as issuer:
        env = {
            "LRS_PORT": str(port),
            "LRS_STORE_URL": f"sqlite:///{data / 'lrs.sqlite3'}",
            "LRS_BOOTSTRAP_KEY": KEY,
            "LRS_BOOTSTRAP_SECRET": SECRET,
            "LRS_OIDC_ISSUER": issuer,
            "LRS_OIDC_CLIENT_ID": CLIENT_ID,
            "LRS_OIDC_CLIENT_SECRET": CLIENT_SECRET,
            "LRS_OIDC_SCOPES": "openid profile email groups",
            "LRS_OIDC_MAPPING": json.dumps(MAPPING),
        }
        with (data / "server.log").open("wb") as log:
            process = serve(env, log)
            try:
                wait_ready(lrs, process)
                made = httpx.post(f"{lrs}/admin/tenants", json={"name": "acme"}, auth=(KEY, SECRET))
                assert made.status_code == 201, made.text
                yield World(lrs, issuer, data / "server.log")
            finally:
                process.terminate()
                process.wait(timeout=30)


def browser() -> httpx.Client:
    return httpx.Client(follow_redirects=False, timeout=10)


def sign_in(client: httpx.Client, world: World, login: str, **tamper: str) -> httpx.Response:
    """Sign in at the console through the OP as `login`; the LRS's answer to the callback.
    `tamper` replaces parameters on the way (nonce= to the OP, state= back to the LRS)."""
    start = client.get(f"{world.lrs}/console/sso")
    assert start.status_code == 303, start.text
    assert start.headers["location"].startswith(world.issuer)

    def rewrite(url: str) -> str:
        if url.startswith(f"{world.issuer}/auth?") and "nonce" in tamper:
            return with_query(url, nonce=tamper["nonce"])
        if url.startswith(f"{world.lrs}/console/sso/callback") and "state" in tamper:
            return with_query(url, state=tamper["state"])
        return url

    return walk(client, start, login, f"{world.lrs}/console/sso/callback", rewrite=rewrite)


def test_the_sign_in_page_offers_sso(world: World) -> None:
    page = httpx.get(f"{world.lrs}/console/signin")
    assert 'href="/console/sso"' in page.text
    assert "Sign in with SSO" in page.text


def test_an_analyst_gets_exactly_the_scopes_their_group_maps_to(world: World) -> None:
    with browser() as client:
        answer = sign_in(client, world, "ada")
        assert answer.status_code == 303, answer.text
        assert answer.headers["location"] == "/console/"
        home = client.get(f"{world.lrs}/console/")
        assert home.headers["location"] == "/console/outcomes"  # outcomes/read: their home
        statements = client.get(f"{world.lrs}/console/statements")
        assert statements.status_code == 200
        assert "Ada Analyst · acme" in statements.text
        assert ">Operations<" not in statements.text  # no admin scope, no operations page
        assert client.get(f"{world.lrs}/console/operations").status_code == 403
        # the admin API takes the session too, and refuses what the mapping did not grant
        assert client.get(f"{world.lrs}/admin/tenants").status_code == 403
    signins = world.audit(action="sso.signin", actor="sso:ada")
    assert signins[0]["outcome"] == "ok"
    assert signins[0]["tenant"] == "acme"
    assert signins[0]["details"] == {
        "claim": "groups",
        "scopes": ["statements/read", "outcomes/read"],
    }


def test_it_staff_are_operators_and_their_actions_name_them(world: World) -> None:
    with browser() as client:
        assert sign_in(client, world, "ian").status_code == 303
        operations = client.get(f"{world.lrs}/console/operations")
        assert operations.status_code == 200
        assert "Ian Ops · default" in operations.text
        tenants = client.get(f"{world.lrs}/admin/tenants")
        assert tenants.status_code == 200
        assert {t["name"] for t in tenants.json()["tenants"]} >= {"acme", "default"}
        # a state-changing admin call with the session cookie needs the session's CSRF token
        unprotected = client.post(f"{world.lrs}/admin/tenants", json={"name": "beta"})
        assert unprotected.status_code == 403
        token = CSRF_META.search(operations.text)
        assert token is not None
        made = client.post(
            f"{world.lrs}/admin/tenants",
            json={"name": "beta"},
            headers={"X-CSRF-Token": token.group(1)},
        )
        assert made.status_code == 201, made.text
    created = world.audit(action="tenant.create", tenant="beta")
    assert [e["actor"] for e in created] == ["sso:ian (Ian Ops)"]
    assert created[0]["outcome"] == "ok"


def test_a_person_whose_groups_map_to_nothing_is_refused(world: World) -> None:
    with browser() as client:
        answer = sign_in(client, world, "sam")
        assert answer.status_code == 403
        assert "Sign-in refused" in answer.text
        assert "no value of its &#39;groups&#39; claim gives access" in answer.text
        assert client.get(f"{world.lrs}/console/").headers["location"] == "/console/signin"
    refused = world.audit(action="sso.signin", actor="sso:sam")
    assert str(refused[0]["outcome"]).startswith("refused (403)")
    assert refused[0]["tenant"] is None


def test_logout_ends_the_session_here_and_at_the_provider(world: World) -> None:
    with browser() as client:
        assert sign_in(client, world, "ada").status_code == 303
        page = client.get(f"{world.lrs}/console/statements")
        token = CSRF_META.search(page.text)
        assert token is not None
        out = client.post(f"{world.lrs}/console/signout", data={"csrf": token.group(1)})
        assert out.status_code == 303
        assert out.headers["location"].startswith(f"{world.issuer}/session/end?")
        back = walk(client, out, "ada", f"{world.lrs}/console/signin")
        assert back.status_code == 200  # the OP confirmed the logout and sent the person back
        assert client.get(f"{world.lrs}/console/").headers["location"] == "/console/signin"
        # signed out at the OP too: signing in again asks for the login again
        again = client.get(client.get(f"{world.lrs}/console/sso").headers["location"])
        interaction = client.get(httpx.URL(world.issuer).join(again.headers["location"]))
        assert 'name="login"' in interaction.text
    ended = world.audit(action="sso.signout", actor="sso:ada")
    assert len(ended) == 1
    assert ended[0]["outcome"] == "ok"
    assert ended[0]["tenant"] == "acme"


def test_a_disabled_tenant_ends_its_peoples_sessions_and_refuses_their_sign_in(
    world: World,
) -> None:
    acme = f"{world.lrs}/admin/tenants/acme"
    with browser() as client:
        assert sign_in(client, world, "ada").status_code == 303
        assert client.get(f"{world.lrs}/console/statements").status_code == 200
        disabled = httpx.patch(acme, json={"enabled": False}, auth=(KEY, SECRET))
        assert disabled.status_code == 200, disabled.text
        try:
            gone = client.get(f"{world.lrs}/console/statements")
            assert gone.headers["location"] == "/console/signin"
            refused = sign_in(client, world, "ada")
            assert refused.status_code == 403
            assert "is disabled" in refused.text
        finally:
            httpx.patch(acme, json={"enabled": True}, auth=(KEY, SECRET))
    latest = world.audit(action="sso.signin", actor="sso:ada")[0]
    assert str(latest["outcome"]).startswith("refused (403)")
    assert latest["tenant"] == "acme"


def test_a_tampered_state_signs_nobody_in(world: World) -> None:
    with browser() as client:
        answer = sign_in(client, world, "ian", state="forged-state")
        assert answer.status_code == 400
        assert "was not started here" in answer.text
        assert client.get(f"{world.lrs}/console/").headers["location"] == "/console/signin"


def test_a_tampered_nonce_signs_nobody_in(world: World) -> None:
    with browser() as client:
        answer = sign_in(client, world, "ian", nonce="forged-nonce")
        assert answer.status_code == 400
        assert "ID token was refused" in answer.text
        assert "nonce" in answer.text  # the claim that failed is named
        assert client.get(f"{world.lrs}/console/").headers["location"] == "/console/signin"


def test_a_callback_without_a_pending_sign_in_is_refused(world: World) -> None:
    with browser() as client:
        answer = client.get(f"{world.lrs}/console/sso/callback?code=abc&state=xyz")
        assert answer.status_code == 400
        assert "lrs_console" not in answer.headers.get("set-cookie", "")


def test_no_token_or_secret_reaches_the_audit_log_or_the_server_log(world: World) -> None:
    with browser() as client:
        assert sign_in(client, world, "ada").status_code == 303
    events = json.dumps(world.audit(actor="sso:"))
    assert CLIENT_SECRET not in events
    assert "eyJ" not in events  # no JWT (ID or access token)
    assert CLIENT_SECRET not in world.log.read_text()

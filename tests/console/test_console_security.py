"""The console's security points through the real app: cookie, CSP, CSRF, throttled sign-in,
session expiry and sign-out (issue 18); every store."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from service.app import create_app
from tests.conftest import BASIC, make_settings
from tests.console.support import browser, sign_in

pytestmark = pytest.mark.asyncio


async def test_sign_in_sets_an_http_only_lax_cookie_holding_a_random_id(app: FastAPI) -> None:
    async with browser(app) as client:
        answer = await client.post("/console/signin", data={"key": "test-key", "secret": "no"})
        assert answer.status_code == 401
        assert "do not match" in answer.text
        assert "set-cookie" not in answer.headers
        answer = await client.post(
            "/console/signin", data={"key": "test-key", "secret": "test-secret-value"}
        )
        assert answer.status_code == 303
        cookie = answer.headers["set-cookie"]
        assert cookie.startswith("lrs_console=")
        assert "HttpOnly" in cookie
        assert "SameSite=lax" in cookie
        assert "Path=/" in cookie
        assert "Secure" not in cookie  # plain HTTP: a Secure cookie would never come back
        assert "test-key" not in cookie
        assert "test-secret" not in cookie


async def test_over_https_the_cookie_is_secure_and_host_prefixed(app: FastAPI) -> None:
    async with browser(app, "https://lrs.test") as client:
        answer = await client.post(
            "/console/signin", data={"key": "test-key", "secret": "test-secret-value"}
        )
        cookie = answer.headers["set-cookie"]
        assert cookie.startswith("__Host-lrs_console=")
        assert "Secure" in cookie
        assert (await client.get("/console/statements")).status_code == 200


async def test_pages_carry_a_strict_content_security_policy(app: FastAPI) -> None:
    async with browser(app) as client:
        await sign_in(client)
        answer = await client.get("/console/statements")
    policy = answer.headers["content-security-policy"]
    assert "script-src 'self'" in policy
    assert "style-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy
    assert answer.headers["x-frame-options"] == "DENY"
    assert answer.headers["cache-control"] == "no-store"
    assert "<script" not in answer.text
    assert " style=" not in answer.text


async def test_without_a_session_pages_redirect_to_sign_in(app: FastAPI) -> None:
    async with browser(app) as client:
        for path in ("/console/", "/console/outcomes", "/console/statements", "/console/ingest"):
            answer = await client.get(path)
            assert (answer.status_code, answer.headers["location"]) == (303, "/console/signin")


async def test_a_form_without_the_csrf_token_or_from_another_site_is_refused(
    app: FastAPI,
) -> None:
    async with browser(app) as client:
        csrf = await sign_in(client)
        form = {"name": "lms", "scopes": "statements/write"}
        missing = await client.post("/console/operations/credentials", data=form)
        assert missing.status_code == 403
        assert "CSRF" in missing.text
        wrong = await client.post("/console/operations/credentials", data={**form, "csrf": "x"})
        assert wrong.status_code == 403
        cross = await client.post(
            "/console/operations/credentials",
            data={**form, "csrf": csrf},
            headers={"Origin": "http://evil.test", "Sec-Fetch-Site": "cross-site"},
        )
        assert cross.status_code == 403
        assert "another site" in cross.text
        made = await client.post("/console/operations/credentials", data={**form, "csrf": csrf})
        assert made.status_code == 201
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://lrs.test"
    ) as api:
        listed = (await api.get("/admin/credentials", headers={"Authorization": BASIC})).json()
    assert [c["name"] for c in listed["credentials"]].count("lms") == 1


async def test_sign_out_ends_the_session_on_the_server(app: FastAPI) -> None:
    async with browser(app) as client:
        csrf = await sign_in(client)
        cookie = client.cookies["lrs_console"]
        answer = await client.post("/console/signout", data={"csrf": csrf})
        assert answer.status_code == 303
    async with browser(app) as replay:  # the old cookie, replayed, no longer signs anybody in
        replay.cookies.set("lrs_console", cookie)
        assert (await replay.get("/console/statements")).status_code == 303


async def test_rotating_the_secret_ends_the_credentials_sessions(app: FastAPI) -> None:
    async with browser(app) as client:
        await sign_in(client)
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://lrs.test"
        ) as api:
            rotated = await api.post(
                "/admin/credentials/test-key/rotate", headers={"Authorization": BASIC}
            )
            assert rotated.status_code == 200, rotated.text
        assert (await client.get("/console/statements")).status_code == 303


async def test_outcome_pages_say_clearly_when_no_map_is_evaluated(app: FastAPI) -> None:
    """On every store (MongoDB keeps outcome state too): a plain answer, not an error page."""
    async with browser(app) as client:
        await sign_in(client)
        answer = await client.get("/console/outcomes")
        kpis = await client.get("/console/outcomes/kpis")
    assert answer.status_code == 200
    assert "No outcome map has been evaluated yet" in answer.text
    assert kpis.status_code == 400
    assert "no outcome map has been evaluated yet" in kpis.text


async def test_sessions_expire_when_idle(tmp_path: Path) -> None:
    application = create_app(make_settings(tmp_path, console_idle_minutes=0.002))  # 120 ms
    async with application.router.lifespan_context(application), browser(application) as client:
        await sign_in(client)
        await asyncio.sleep(0.3)
        assert (await client.get("/console/statements")).status_code == 303


async def test_sessions_end_after_their_absolute_lifetime_however_active(tmp_path: Path) -> None:
    lifetime = 2.0
    application = create_app(make_settings(tmp_path, console_session_hours=lifetime / 3600))
    async with application.router.lifespan_context(application), browser(application) as client:
        began = time.monotonic()
        await sign_in(client)
        while time.monotonic() - began < lifetime / 4:  # active: idle expiry never applies
            assert (await client.get("/console/statements")).status_code == 200
            await asyncio.sleep(0.05)
        await asyncio.sleep(lifetime + 0.3 - (time.monotonic() - began))
        assert (await client.get("/console/statements")).status_code == 303


async def test_repeated_wrong_secrets_are_throttled(tmp_path: Path) -> None:
    application = create_app(
        make_settings(tmp_path, signin_failures_per_key=2, signin_failures_per_address=0)
    )
    async with application.router.lifespan_context(application), browser(application) as client:
        codes = []
        for attempt in range(4):
            answer = await client.post(
                "/console/signin", data={"key": "test-key", "secret": f"guess-{attempt}"}
            )
            codes.append(answer.status_code)
    assert codes[:2] == [401, 401]
    assert codes[-1] == 429
    assert "retry" in answer.text.lower()
    assert int(answer.headers["retry-after"]) >= 1


async def test_the_console_can_be_turned_off(tmp_path: Path) -> None:
    application = create_app(make_settings(tmp_path, console_enabled=False))
    async with application.router.lifespan_context(application), browser(application) as client:
        assert (await client.get("/console/signin")).status_code == 404


BAD_ADDRESSES = (
    "/console/statements?since=garbage",
    "/console/statements?agent={bad",
    "/console/statements?more=xyz",
    "/console/statements/not-a-uuid",
    "/console/outcomes/learner?learner=%25%25",
    "/console/outcomes/kpis?lag=abc&group_by=nope",
    "/console/outcomes/impact.csv?lag=99",
    "/console/operations/targets/abc/dead-letters?tenant=default",
    "/console/operations/targets/1/dead-letters",
)


async def test_bad_addresses_get_a_page_with_a_4xx_never_a_5xx(app: FastAPI) -> None:
    async with browser(app) as client:
        csrf = await sign_in(client)
        answers = [await client.get(path) for path in BAD_ADDRESSES]
        answers.append(
            await client.post(
                "/console/outcomes/map",
                data={"csrf": csrf, "syntax": "json", "document": "[" * 5000},
            )
        )
        answers.append(
            await client.post("/console/operations/targets/abc/requeue", data={"csrf": csrf})
        )
    for answer in answers:
        outcomes_lacking = answer.status_code == 501 and "/outcomes" in answer.request.url.path
        assert 400 <= answer.status_code < 500 or outcomes_lacking, answer.request.url
        assert answer.headers["content-type"].startswith("text/html")
        assert "content-security-policy" in answer.headers


async def test_signing_in_again_ends_the_previous_session(app: FastAPI) -> None:
    async with browser(app) as client:
        await sign_in(client)
        first = client.cookies["lrs_console"]
        await sign_in(client)
        assert client.cookies["lrs_console"] != first
    async with browser(app) as replay:
        replay.cookies.set("lrs_console", first)
        assert (await replay.get("/console/statements")).status_code == 303


async def test_a_rotation_with_overlap_ends_sessions_and_the_old_secret_opens_none(
    app: FastAPI,
) -> None:
    """During an overlap the rotated-out secret still serves the API, but the credential's
    console sessions end at the rotation and the old secret signs nobody in; the new one does."""
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://lrs.test"
    ) as api:
        made = await api.post(
            "/admin/credentials",
            json={"name": "ops", "scopes": ["all", "admin"]},
            headers={"Authorization": BASIC},
        )
        key, old = made.json()["key"], made.json()["secret"]
        async with browser(app) as client:
            await sign_in(client, key, old)
            rotated = await api.post(
                f"/admin/credentials/{key}/rotate",
                json={"overlap": "1h"},
                headers={"Authorization": BASIC},
            )
            assert rotated.status_code == 200, rotated.text
            new = rotated.json()["secret"]
            assert (await client.get("/console/statements")).status_code == 303
        async with browser(app) as late:
            refused = await late.post("/console/signin", data={"key": key, "secret": old})
            assert refused.status_code == 401
            assert "lrs_console" not in refused.cookies
            await sign_in(late, key, new)
            assert (await late.get("/console/statements")).status_code == 200
        still = await api.get(
            "/xapi/statements",
            headers={"X-Experience-API-Version": "2.0.0"},
            auth=(key, old),
        )
        assert still.status_code == 200

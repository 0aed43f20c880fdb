"""The console served by a real process: sessions shared by worker processes, and the cookie's
Secure flag following X-Forwarded-Proto only from a proxy uvicorn trusts."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.server.served import served_process

KEY, SECRET = "workers-key", "workers-secret-value"


def test_a_session_works_on_new_connections_to_two_workers(tmp_path: Path) -> None:
    """Each request opens a new connection, which either worker may accept; a session kept
    in one process's memory would be unknown on about half of them."""
    with served_process(tmp_path, KEY, SECRET, LRS_WORKERS="2") as (base, _):
        with httpx.Client(base_url=base) as first:
            signed_in = first.post("/console/signin", data={"key": KEY, "secret": SECRET})
            assert signed_in.status_code == 303
            cookie = first.cookies["lrs_console"]
        answers = []
        for _ in range(30):
            with httpx.Client(base_url=base, cookies={"lrs_console": cookie}) as fresh:
                answers.append(fresh.get("/console/statements").status_code)
        assert answers == [200] * 30


def _signin_cookie(base: str, headers: dict[str, str]) -> str:
    with httpx.Client(base_url=base) as client:
        answer = client.post(
            "/console/signin", data={"key": KEY, "secret": SECRET}, headers=headers
        )
        assert answer.status_code == 303
        cookie: str = answer.headers["set-cookie"]
        return cookie


def test_a_trusted_proxys_https_makes_the_cookie_secure(tmp_path: Path) -> None:
    """uvicorn trusts X-Forwarded-Proto from FORWARDED_ALLOW_IPS (the loopback by default)."""
    https = {"X-Forwarded-Proto": "https"}
    (tmp_path / "trusted").mkdir()
    (tmp_path / "untrusted").mkdir()
    with served_process(tmp_path / "trusted", KEY, SECRET) as (base, _):
        assert "Secure" not in _signin_cookie(base, {})
        cookie = _signin_cookie(base, https)
        assert cookie.startswith("__Host-lrs_console=")
        assert "Secure" in cookie
    with served_process(tmp_path / "untrusted", KEY, SECRET, FORWARDED_ALLOW_IPS="192.0.2.1") as (
        base,
        _,
    ):
        cookie = _signin_cookie(base, https)  # from an address it does not trust: ignored
        assert cookie.startswith("lrs_console=")
        assert "Secure" not in cookie

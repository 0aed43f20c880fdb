"""Signing in to the console through the ASGI app, as a browser would."""

from __future__ import annotations

import re

import httpx
from fastapi import FastAPI

from tests.conftest import KEY, SECRET

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def browser(app: FastAPI, base: str = "http://lrs.test") -> httpx.AsyncClient:
    """A cookie-keeping client that does not follow redirects (tests look at them)."""
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=base)


async def sign_in(client: httpx.AsyncClient, key: str = KEY, secret: str = SECRET) -> str:
    """Sign in; the CSRF token of the session (from the statement browser, when readable)."""
    answer = await client.post("/console/signin", data={"key": key, "secret": secret})
    assert answer.status_code == 303, answer.text
    page = await client.get("/console/statements")
    found = CSRF.search(page.text)
    return "" if found is None else found.group(1)

"""A person at a browser, as httpx: follows redirects one by one and fills in the OP's forms."""

from __future__ import annotations

from collections.abc import Callable
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import httpx

Rewrite = Callable[[str], str]
MAX_STEPS = 20


class Form(HTMLParser):
    """The first form of a page: its action and the fields a browser would submit."""

    def __init__(self) -> None:
        super().__init__()
        self.action: str | None = None
        self.fields: dict[str, str] = {}
        self.buttons: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {name: value or "" for name, value in attrs}
        if tag == "form" and self.action is None:
            self.action = found.get("action", "")
        elif tag == "input" and "name" in found:
            self.fields[found["name"]] = found.get("value", "")
        elif tag == "button" and "name" in found:
            self.buttons[found["name"]] = found.get("value", "")


def with_query(url: str, **changes: str) -> str:
    """`url` with some query parameters replaced (a tampered state or nonce)."""
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    query.update(changes)
    return urlunsplit(parts._replace(query=urlencode(query)))


def walk(
    client: httpx.Client,
    answer: httpx.Response,
    login: str,
    stop_at: str,
    *,
    rewrite: Rewrite | None = None,
) -> httpx.Response:
    """Follow redirects and submit the OP's forms (login with `login`, consent, logout) until a
    redirect leads to a URL starting with `stop_at`; answer what that URL answers. `rewrite`
    may change every URL before it is visited (to tamper with what the browser carries)."""
    for _ in range(MAX_STEPS):
        if answer.is_redirect:
            target = urljoin(str(answer.url), answer.headers["location"])
            if rewrite is not None:
                target = rewrite(target)
            answer = client.get(target)
            if target.startswith(stop_at):
                return answer
            continue
        assert answer.status_code == 200, (answer.status_code, answer.text[:2000])
        form = Form()
        form.feed(answer.text)
        assert form.action is not None, answer.text[:2000]
        fields = dict(form.fields)
        if "login" in fields:
            fields.update(login=login, password="any password")
        if "logout" in form.buttons:
            fields["logout"] = form.buttons["logout"]
        answer = client.post(urljoin(str(answer.url), form.action), data=fields)
    raise AssertionError("the sign-in did not come back to the LRS")

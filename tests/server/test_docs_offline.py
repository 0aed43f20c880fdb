"""/docs and /redoc work on a network without internet: every asset they load is served here."""

from __future__ import annotations

from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import httpx
import pytest

from tests.server.served import running_lrs

KEY, SECRET = "docs-key", "docs-secret"
EXPECTED_TYPES = {".js": "text/javascript", ".css": "text/css", ".png": "image/png"}


class LoadedUrls(HTMLParser):
    """The URLs a browser fetches for a page: scripts, stylesheets, icons and ReDoc's spec."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        for name in ("src", "href", "spec-url"):
            value = values.get(name)
            if value is not None and tag in {"script", "link", "redoc", "img"}:
                self.urls.append(value)


def loaded_urls(html: str) -> list[str]:
    parser = LoadedUrls()
    parser.feed(html)
    return parser.urls


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A default start (only a bootstrap credential set), as `make run` serves it."""
    with running_lrs(tmp_path_factory.mktemp("docs"), KEY, SECRET) as url:
        yield url


@pytest.mark.parametrize(
    ("page", "assets"),
    [
        ("/docs", {"swagger-ui-bundle.js", "swagger-ui.css", "favicon.png"}),
        ("/redoc", {"redoc.standalone.js", "favicon.png"}),
    ],
)
def test_documentation_pages_load_nothing_from_another_host(
    base: str, page: str, assets: set[str]
) -> None:
    with httpx.Client(base_url=base) as client:
        answer = client.get(page)
        assert answer.status_code == 200
        assert answer.headers["content-type"].startswith("text/html")
        html = answer.text
        assert "//" not in html  # no http://, https:// or protocol-relative address at all
        urls = loaded_urls(html)
        assert {Path(url).name for url in urls} >= assets
        for url in urls:
            assert url.startswith("/"), url
            fetched = client.get(url)
            assert fetched.status_code == 200, url
            assert fetched.content, url
            if url.startswith("/docs/static/"):
                expected = EXPECTED_TYPES[Path(url).suffix]
                assert fetched.headers["content-type"].startswith(expected), url


def test_swagger_ui_reads_the_served_openapi_document(base: str) -> None:
    with httpx.Client(base_url=base) as client:
        html = client.get("/docs").text
        assert "url: '/openapi.json'" in html
        spec = client.get("/openapi.json")
    assert spec.status_code == 200
    assert spec.json()["info"]["title"] == "xAPI Learning Record Store"


def test_only_the_pages_assets_are_reachable(base: str) -> None:
    with httpx.Client(base_url=base) as client:
        for path in ("/docs/static/core.py", "/docs/static/..%2F__init__.py", "/docs/static/"):
            assert client.get(path).status_code == 404, path

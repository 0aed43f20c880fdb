"""Every refusal has the same shape, whichever layer answers it (T-2, T-21): JSON with the
xAPI error body and its status, the version header, a Content-Length that matches the body
(also on HEAD, which has no body: RFC 9110 8.6), and only the extra headers its error
carries (Retry-After on 429/503, WWW-Authenticate on 401, Connection: close where the
request is left unread).

In-process answers go through the ASGI app and httpx; those of the uvicorn protocol layer
(a head too slow, too long or not HTTP) through a served process and a raw socket.
"""

from __future__ import annotations

import asyncio
import base64
import socket
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import orjson
import pytest
from fastapi import FastAPI

from service.app import create_app
from service.model.tenancy import Limits
from service.settings import Settings
from tests.builders import statement
from tests.conftest import BASIC, KEY, SECRET, client_for, make_settings
from tests.server.served import served_process
from tests.tenancy_support import issue

VERSION = "1.0.3"
STATEMENTS = "/xapi/statements"
CHALLENGE = 'Basic realm="xAPI"'
EXTRA_HEADERS = ("retry-after", "www-authenticate")
ANSWER_WITHIN = 20.0  # a bounded wait for "it answered at all" on a loaded machine


@dataclass(frozen=True)
class Answer:
    """Status, headers (names in lower case) and body of one answer."""

    status: int
    headers: dict[str, str]
    body: bytes

    @classmethod
    def of(cls, response: httpx.Response) -> Answer:
        headers = {name.lower(): value for name, value in response.headers.items()}
        return cls(response.status_code, headers, response.content)


def assert_error_shape(
    answer: Answer, status: int, version: str = VERSION, **extra: str | None
) -> None:
    """The shared shape; `extra` maps each of EXTRA_HEADERS (as retry_after, www_authenticate)
    to its value, "*" for any value, or leaves it out when it must be absent."""
    assert answer.status == status, answer
    assert answer.headers["content-type"] == "application/json", answer
    assert answer.headers["x-experience-api-version"] == version, answer
    assert int(answer.headers["content-length"]) == len(answer.body), answer
    error = orjson.loads(answer.body)
    assert (error["error"], error["status"]) == (True, status), answer
    assert sorted(error) == ["error", "message", "status"], answer
    assert error["message"], answer
    for name in EXTRA_HEADERS:
        expected = extra.get(name.replace("-", "_"))
        if expected is None:
            assert name not in answer.headers, answer
        elif expected == "*":
            assert int(answer.headers[name]) >= 1, answer
        else:
            assert answer.headers[name] == expected, answer


def assert_head_matches(head: Answer, get: Answer) -> None:
    """HEAD: the headers GET gets, its Content-Length included, and no body."""
    assert head.status == get.status
    assert head.body == b""
    assert int(head.headers["content-length"]) == len(get.body) > 0
    for name in ("content-type", "x-experience-api-version", *EXTRA_HEADERS):
        assert head.headers.get(name) == get.headers.get(name), name


def basic(key: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{key}:{secret}".encode()).decode()


async def test_401_carries_the_challenge(app: FastAPI) -> None:
    async with client_for(app, VERSION, auth=False) as c:
        get = Answer.of(await c.get(STATEMENTS))
        head = Answer.of(await c.head(STATEMENTS))
    assert_error_shape(get, 401, www_authenticate=CHALLENGE)
    assert_head_matches(head, get)


async def test_403_for_a_scope_not_granted(app: FastAPI) -> None:
    reader = await issue(app, scopes=("statements/read",), name="reader")
    async with client_for(app, VERSION, auth=False) as c:
        answer = await c.post(
            STATEMENTS,
            json=statement(),
            headers={"Authorization": basic(reader.key, reader.secret)},
        )
    assert_error_shape(Answer.of(answer), 403)


async def test_404_for_a_statement_and_for_a_route(app: FastAPI) -> None:
    missing = "00000000-0000-4000-8000-000000000000"
    async with client_for(app, VERSION) as c:
        statement_get = Answer.of(await c.get(STATEMENTS, params={"statementId": missing}))
        statement_head = Answer.of(await c.head(STATEMENTS, params={"statementId": missing}))
        route = Answer.of(await c.get("/xapi/nowhere"))
    assert_error_shape(statement_get, 404)
    assert_head_matches(statement_head, statement_get)
    assert_error_shape(route, 404)


async def test_413_for_a_declared_body_over_the_limit(tmp_path: Path) -> None:
    app = create_app(make_settings(tmp_path, max_body_bytes=1024))
    async with app.router.lifespan_context(app), client_for(app, VERSION) as c:
        answer = await c.post(STATEMENTS, content=b"[" + b" " * 2000 + b"]")
    assert_error_shape(Answer.of(answer), 413)


async def test_414_and_431_before_the_request_is_read(app: FastAPI) -> None:
    async with client_for(app, VERSION, auth=False) as c:
        query = {"activity": "x" * 9000}
        long_get = Answer.of(await c.get(STATEMENTS, params=query))
        long_head = Answer.of(await c.head(STATEMENTS, params=query))
        padding = {"X-Padding": "p" * 17_000}
        large_get = Answer.of(await c.get(STATEMENTS, headers=padding))
        large_head = Answer.of(await c.head(STATEMENTS, headers=padding))
    for get, head, status in ((long_get, long_head, 414), (large_get, large_head, 431)):
        assert_error_shape(get, status)
        assert get.headers["connection"] == "close"
        assert_head_matches(head, get)


async def test_415_for_an_unknown_content_encoding(app: FastAPI) -> None:
    async with client_for(app, VERSION) as c:
        answer = await c.post(
            STATEMENTS,
            content=orjson.dumps(statement()),
            headers={"Content-Type": "application/json", "Content-Encoding": "br"},
        )
    assert_error_shape(Answer.of(answer), 415)


async def test_429_when_a_credential_spends_its_quota(app: FastAPI) -> None:
    limited = await issue(app, name="quota", limits=Limits(rate_per_second=0.01, burst=1))
    auth = {"Authorization": basic(limited.key, limited.secret)}
    async with client_for(app, VERSION, auth=False) as c:
        first = await c.get(STATEMENTS, headers=auth)
        second = Answer.of(await c.get(STATEMENTS, headers=auth))
    assert first.status_code == 200
    assert_error_shape(second, 429, retry_after="*")


async def test_429_when_sign_in_failures_are_throttled(tmp_path: Path) -> None:
    app = create_app(make_settings(tmp_path, signin_failures_per_key=1))
    guesses = [{"Authorization": basic(KEY, f"wrong-{n}")} for n in range(2)]  # none remembered
    async with app.router.lifespan_context(app), client_for(app, VERSION, auth=False) as c:
        refused = Answer.of(await c.get(STATEMENTS, headers=guesses[0]))
        throttled = Answer.of(await c.get(STATEMENTS, headers=guesses[1]))
    assert_error_shape(refused, 401, www_authenticate=CHALLENGE)
    assert_error_shape(throttled, 429, retry_after="*")


async def _held_body(admitted: asyncio.Event, release: asyncio.Event) -> AsyncIterator[bytes]:
    """A body whose first byte is sent only when `release` is set."""
    admitted.set()
    await release.wait()
    yield orjson.dumps(statement())


@asynccontextmanager
async def _slow_upload(
    settings: Settings,
) -> AsyncIterator[tuple[httpx.AsyncClient, asyncio.Event, asyncio.Task[httpx.Response]]]:
    """A started app with a POST whose body waits for `release`: client, event, request."""
    app = create_app(settings)
    async with app.router.lifespan_context(app), client_for(app, VERSION) as c:
        admitted, release = asyncio.Event(), asyncio.Event()
        upload = asyncio.create_task(
            c.post(
                STATEMENTS,
                content=_held_body(admitted, release),
                headers={"Content-Type": "application/json"},
            )
        )
        await admitted.wait()
        try:
            yield c, release, upload
        finally:
            release.set()
            await upload


async def test_503_when_admission_is_full(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, max_inflight_requests=1)
    async with _slow_upload(settings) as (c, release, _):
        get = Answer.of(await c.get(STATEMENTS))
        head = Answer.of(await c.head(STATEMENTS))
        release.set()
    assert_error_shape(get, 503, retry_after="1")
    assert_head_matches(head, get)


async def test_408_when_a_body_stops_arriving(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, body_timeout=0.2, body_min_rate=0)
    async with _slow_upload(settings) as (_, _release, upload):
        answer = Answer.of(await asyncio.wait_for(upload, ANSWER_WITHIN))
    assert_error_shape(answer, 408)
    assert answer.headers["connection"] == "close"


def raw_answer(base: str, request: bytes) -> Answer:
    """Send `request` on a new connection and read until the server closes it."""
    host, port = base.removeprefix("http://").split(":")
    data = b""
    with socket.create_connection((host, int(port)), timeout=ANSWER_WITHIN) as sock:
        sock.sendall(request)
        try:
            while chunk := sock.recv(65536):
                data += chunk
        except ConnectionResetError:
            pass
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return Answer(int(lines[0].split()[1]), headers, body)


@pytest.fixture(scope="module", params=["httptools", "h11"])
def served(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A served LRS with short head and body timeouts, once per HTTP parser."""
    folder = tmp_path_factory.mktemp(f"answers-{request.param}")
    settings = {
        "LRS_HTTP_PARSER": request.param,
        "LRS_HEADER_TIMEOUT": "1",
        "LRS_BODY_TIMEOUT": "1",
        "LRS_LOG_LEVEL": "warning",
    }
    with served_process(folder, KEY, SECRET, **settings) as (base, _):
        yield base


def test_protocol_layer_refusals_have_the_same_shape(served: str) -> None:
    """408 (a head that stops), 414 (a request line over the parser's cap), 431 (a head over
    it) and 400 (not HTTP): answered by the protocol layer, in the default version."""
    default = Settings(_env_file=None).default_xapi_version
    start = b"GET /xapi/about HTTP/1.1\r\nHost: lrs\r\n"
    stalled = raw_answer(served, start)
    long_line = raw_answer(served, b"GET /xapi/about?q=" + b"x" * 40_000 + b" HTTP/1.1\r\n\r\n")
    padding = b"".join(b"X-Pad-%d: %s\r\n" % (n, b"p" * 1000) for n in range(40))
    large_head = raw_answer(served, start + padding + b"\r\n")
    garbage = raw_answer(served, b"\x00\x01 not http\r\n\r\n")
    for answer, status in ((stalled, 408), (long_line, 414), (large_head, 431), (garbage, 400)):
        assert_error_shape(answer, status, version=default)
        assert answer.headers["connection"] == "close"


def test_a_stalled_body_through_uvicorn_gets_the_same_408(served: str) -> None:
    head = (
        f"POST {STATEMENTS} HTTP/1.1\r\nHost: lrs\r\nAuthorization: {BASIC}\r\n"
        f"X-Experience-API-Version: {VERSION}\r\nContent-Type: application/json\r\n"
        "Content-Length: 400\r\n\r\n["
    ).encode()
    answer = raw_answer(served, head)
    assert_error_shape(answer, 408)
    assert answer.headers["connection"] == "close"

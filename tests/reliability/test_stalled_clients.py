"""Stalled and slow clients against a served process: stalled uploads, Content-Length promises
never kept, slowloris heads and over-long request lines each get a JSON answer (408 / 414 with
the version header, T-2), the connection closes, admission budgets come back at the deadline
while the attacker still holds its sockets, and other clients are served afterwards."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import orjson
import pytest

from tests.builders import statement
from tests.conftest import BASIC, KEY, SECRET
from tests.server.served import served_process

HEADER_TIMEOUT = 1.5
BODY_TIMEOUT = 3.0
TIMEOUTS = {
    "LRS_HEADER_TIMEOUT": str(HEADER_TIMEOUT),
    "LRS_BODY_TIMEOUT": str(BODY_TIMEOUT),
    "LRS_BODY_MIN_RATE": "100",
    "LRS_LOG_LEVEL": "warning",
}
ANSWER_WITHIN = 20.0  # a bounded wait for "it answered at all" on a loaded machine
VERSION = {"X-Experience-API-Version": "2.0.0"}


@dataclass
class Answer:
    """What a raw connection received until the server closed it."""

    status: int
    headers: dict[str, str]
    body: bytes
    closed: bool

    def json(self) -> dict[str, object]:
        result: dict[str, object] = orjson.loads(self.body)
        return result


def read_answer(sock: socket.socket, seconds: float = ANSWER_WITHIN) -> Answer:
    """Everything the server sends, until it closes the connection or `seconds` pass."""
    sock.settimeout(seconds)
    data = b""
    closed = False
    try:
        while chunk := sock.recv(65536):
            data += chunk
        closed = True
    except ConnectionResetError:
        closed = True
    except TimeoutError:
        pass
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1]) if lines[0] else 0
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return Answer(status, headers, body, closed)


def connect(base: str) -> socket.socket:
    host, port = base.removeprefix("http://").split(":")
    return socket.create_connection((host, int(port)), timeout=ANSWER_WITHIN)


def post_head(length: int, version: str = "2.0.0") -> bytes:
    """The head of a statement POST promising `length` body bytes."""
    return (
        "POST /xapi/statements HTTP/1.1\r\nHost: lrs\r\n"
        f"Authorization: {BASIC}\r\nX-Experience-API-Version: {version}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {length}\r\n\r\n"
    ).encode()


def assert_json_refusal(answer: Answer, status: int, version: str = "2.0.0") -> None:
    assert answer.status == status, answer
    assert answer.headers["content-type"] == "application/json", answer
    assert answer.headers["x-experience-api-version"] == version, answer
    assert answer.headers["connection"] == "close", answer
    error = answer.json()
    assert (error["error"], error["status"]) == (True, status), answer
    assert answer.closed, answer


def post_statement(base: str) -> httpx.Response:
    headers = {"Authorization": BASIC, **VERSION}
    with httpx.Client(base_url=base, headers=headers, timeout=ANSWER_WITHIN) as client:
        return client.post("/xapi/statements", json=statement())


@pytest.fixture(scope="module", params=["httptools", "h11"])
def lrs(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A served LRS with short timeouts, once per HTTP parser uvicorn may run."""
    folder = tmp_path_factory.mktemp(f"stalled-{request.param}")
    with served_process(folder, KEY, SECRET, LRS_HTTP_PARSER=request.param, **TIMEOUTS) as (
        base,
        _,
    ):
        yield base


def test_stalled_body_gets_408_and_the_connection_closes(lrs: str) -> None:
    """Headers and one byte of body, then silence: 408 once the body stops moving."""
    with connect(lrs) as sock:
        sock.sendall(post_head(400) + b"[")
        assert_json_refusal(read_answer(sock), 408)
    assert post_statement(lrs).status_code == 200


def test_declared_body_never_sent_gets_408(lrs: str) -> None:
    """`Content-Length: 20971520` and nothing after it: 408, in the version asked for."""
    with connect(lrs) as sock:
        sock.sendall(post_head(20 * 2**20, version="1.0.3"))
        assert_json_refusal(read_answer(sock), 408, version="1.0.3")
    assert post_statement(lrs).status_code == 200


def test_slowloris_head_gets_408_while_still_trickling(lrs: str) -> None:
    """A head sent a byte at a time never completes in time: 408 and closed mid-head."""
    head = post_head(2)
    stop = threading.Event()

    def trickle(sock: socket.socket) -> None:
        for byte in head[:-4]:  # never the blank line that ends the head
            if stop.wait(0.2):
                return
            try:
                sock.send(bytes([byte]))
            except OSError:
                return

    with connect(lrs) as sock:
        sender = threading.Thread(target=trickle, args=(sock,))
        sender.start()
        try:
            answer = read_answer(sock)
        finally:
            stop.set()
            sender.join()
    assert_json_refusal(answer, 408)
    assert "head" in str(answer.json()["message"])
    assert post_statement(lrs).status_code == 200


def test_idle_connection_is_closed_without_an_answer(lrs: str) -> None:
    """A connection that never sends a byte is closed like an idle keep-alive one."""
    with connect(lrs) as sock:
        answer = read_answer(sock)
    assert (answer.status, answer.body, answer.closed) == (0, b"", True)


@pytest.mark.parametrize("size", [70_000, 300_000])
def test_long_request_line_gets_json_414(lrs: str, size: int) -> None:
    """A request line past the parser's limits (httptools' URL limit is 64 KiB): JSON 414."""
    with connect(lrs) as sock:
        sock.sendall(b"GET /xapi/about?x=" + b"a" * size + b" HTTP/1.1\r\nHost: lrs\r\n\r\n")
        assert_json_refusal(read_answer(sock), 414)


def test_request_line_that_never_ends_gets_json_414(lrs: str) -> None:
    """The line is still arriving when it passes the cap: 414 without waiting for its end."""
    with connect(lrs) as sock:
        sock.sendall(b"GET /xapi/about?x=" + b"a" * 40_000)
        assert_json_refusal(read_answer(sock), 414)


def test_endless_headers_get_json_431_in_the_version_sent(lrs: str) -> None:
    """Headers still arriving past the cap: 431 (httptools knows the version header by then)."""
    with connect(lrs) as sock:
        sock.sendall(b"GET /xapi/about HTTP/1.1\r\nX-Experience-API-Version: 1.0.3\r\n")
        sock.sendall(b"X-Pad: " + b"p" * 40_000)
        answer = read_answer(sock)
    assert answer.status == 431, answer
    assert answer.headers["x-experience-api-version"] in {"1.0.3", "2.0.0"}  # h11: the default
    assert_json_refusal(answer, 431, answer.headers["x-experience-api-version"])


def test_answered_upload_whose_rest_stalls_is_closed(lrs: str) -> None:
    """A 413 answered before the body was read; the client then stalls: the connection closes."""
    with connect(lrs) as sock:
        sock.sendall(post_head(21 * 2**20) + b"[")
        answer = read_answer(sock)
    assert answer.status == 413, answer
    assert answer.closed, answer


def test_stalled_uploads_give_their_write_slots_back_at_the_deadline(tmp_path: Path) -> None:
    """Issue: stalled POSTs held every write slot; others got 503 for as long as they stayed.

    While the stalled uploads are pending, another POST of the same credential is refused (it
    holds its fair share, half of the 6 write slots); at the body deadline each stalled one gets
    its 408 and loses its connection, and POSTs succeed again although the attacker never
    closed a socket.
    """
    limits = {**TIMEOUTS, "LRS_MAX_PENDING_WRITES": "6", "LRS_MAX_INFLIGHT_REQUESTS": "12"}
    with served_process(tmp_path, KEY, SECRET, **limits) as (base, _):
        stalled = [connect(base) for _ in range(5)]
        try:
            for sock in stalled:
                sock.sendall(post_head(400) + b"[")
            refused = post_statement(base)
            assert refused.status_code == 503, refused.text
            assert "share of the write capacity" in refused.json()["message"]
            answers = [read_answer(sock) for sock in stalled]
            after = post_statement(base)  # the attacker's sockets are all still open here
        finally:
            for sock in stalled:
                sock.close()
    timed_out = [a for a in answers if a.status == 408]
    assert len(timed_out) == 3, answers  # the admitted ones; the others got 503 at once
    for answer in timed_out:
        assert_json_refusal(answer, 408)
    assert all(a.status in {408, 503} and a.closed for a in answers), answers
    assert after.status_code == 200, after.text


def test_promised_bodies_give_the_byte_budget_back_at_the_deadline(tmp_path: Path) -> None:
    """Issue: connections announcing 20 MiB and sending nothing spent the body-byte budget."""
    limits = {**TIMEOUTS, "LRS_MAX_INFLIGHT_BODY_BYTES": str(40 * 2**20)}
    with served_process(tmp_path, KEY, SECRET, **limits) as (base, _):
        promised = [connect(base) for _ in range(2)]
        try:
            for sock in promised:
                sock.sendall(post_head(20 * 2**20))
            refused = post_statement(base)
            assert refused.status_code == 503, refused.text
            message = refused.json()["message"]  # the byte budget, or the work budget's share
            assert "bytes" in message or "share" in message, message
            answers = [read_answer(sock) for sock in promised]
            after = post_statement(base)
        finally:
            for sock in promised:
                sock.close()
    timed_out = [a for a in answers if a.status == 408]
    assert timed_out, answers  # the admitted ones; the work budget may refuse the second at once
    for answer in timed_out:
        assert_json_refusal(answer, 408)
    assert all(a.status in {408, 503} and a.closed for a in answers), answers
    assert after.status_code == 200, after.text


def test_a_slow_body_that_keeps_moving_is_accepted(lrs: str) -> None:
    """Longer in total than the body timeout, but never idle that long and above the rate."""
    body = orjson.dumps(statement(result={"response": "r" * 1200}))
    pieces = [body[i : i + 128] for i in range(0, len(body), 128)]  # 256 B/s against 100
    with connect(lrs) as sock:
        sock.sendall(post_head(len(body)))
        for piece in pieces:
            time.sleep(0.5)
            sock.sendall(piece)
        sock.settimeout(ANSWER_WITHIN)
        first = sock.recv(65536)
    assert len(pieces) * 0.5 > BODY_TIMEOUT
    assert first.startswith(b"HTTP/1.1 200 "), first

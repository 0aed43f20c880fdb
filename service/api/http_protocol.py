"""uvicorn's HTTP/1.1 protocols with a time and size limit on reading each request head.

uvicorn waits forever for a request line and headers, and with httptools buffers any amount
of them; its parse errors are a text/plain 400. Here a connection gets `header_timeout`
seconds from being opened (or from its previous response) to complete a request head; a
client that started one and stalls gets 408, one that sent nothing is closed like an idle
keep-alive connection. A head over the limit gets 414 (request line) or 431, and what the
parser rejects a 400, all with the xAPI error body, version header and `Connection: close`.
After a response sent before its request body was read, the rest of that body must keep
moving (`body_timeout` between parts) or the connection is closed.
"""

from __future__ import annotations

import asyncio
import enum
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from importlib.util import find_spec
from typing import Any, cast

import h11
from uvicorn.config import Config
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.server import ServerState

from service.api.error_answer import ErrorAnswer, RawHeaders
from service.model.errors import (
    BadRequestError,
    HeaderFieldsTooLargeError,
    LRSError,
    RequestTimeoutError,
    URITooLongError,
)
from service.settings import Settings
from service.xapi.versions import negotiate_version

LINE_ALLOWANCE = 4096  # method, path and version around the longest query string allowed
LINGER_SECONDS = 2.0  # closing with unread input resets the connection, maybe before the answer


def head_limit(settings: Settings) -> int:
    """Bytes of request line and headers the HTTP parser buffers before refusing."""
    return settings.max_header_bytes + settings.max_query_bytes + LINE_ALLOWANCE


@dataclass(frozen=True, slots=True)
class HeadRules:
    """Limits on reading request heads; `drain_seconds` bounds the gaps in an unread body."""

    timeout: float
    drain_seconds: float
    max_bytes: int
    max_line: int
    default_version: str


def head_rules(settings: Settings) -> HeadRules:
    return HeadRules(
        timeout=settings.http.header_timeout,
        drain_seconds=settings.http.body_timeout,
        max_bytes=head_limit(settings),
        max_line=settings.max_query_bytes + LINE_ALLOWANCE,
        default_version=settings.default_xapi_version,
    )


class Reading(enum.Enum):
    HEAD = "head"  # waiting for a request line and headers: timed and counted
    BUSY = "busy"  # the application has the request; body timing is BodyTimeoutMiddleware's
    DRAIN = "drain"  # answered already; the rest of the body must keep coming
    LINGER = "linger"  # refused: what still arrives is discarded until the client closes


class HeadGuard:
    """Times and measures the request heads of one connection; see the module docstring."""

    def __init__(
        self,
        rules: HeadRules,
        transport: asyncio.Transport,
        defaults: Callable[[], RawHeaders],
    ) -> None:
        self.rules = rules
        self.transport = transport
        self.defaults = defaults
        self.timer: asyncio.TimerHandle | None = None
        self.reading = Reading.HEAD
        self.head_bytes = 0
        self.line_bytes = 0
        self.line_done = False

    def await_head(self) -> None:
        """The next bytes start a request head: restart its clock and counts."""
        self.reading = Reading.HEAD
        self.head_bytes = self.line_bytes = 0
        self.line_done = False
        self._arm(self.rules.timeout)

    def head_complete(self) -> None:
        self.reading = Reading.BUSY
        self._disarm()

    def response_complete(self, body_done: bool) -> None:
        """The response went out: wait for the next head, or for the rest of an unread body."""
        if self.transport.is_closing():
            return
        if body_done:
            self.await_head()
        else:
            self.reading = Reading.DRAIN
            self._arm(self.rules.drain_seconds)

    def body_complete(self) -> None:
        """The request body ended; after an answered request the next head is due."""
        if self.reading is Reading.DRAIN:
            self.await_head()

    def received(self, data: bytes) -> None:
        """Account for bytes before the parser sees them."""
        if self.reading is Reading.DRAIN:
            self._arm(self.rules.drain_seconds)
        if self.reading is not Reading.HEAD:
            return
        self.head_bytes += len(data)
        if not self.line_done:
            end = data.find(b"\n")
            self.line_bytes += len(data) if end < 0 else end
            self.line_done = end >= 0

    def over_limit(self) -> bool:
        return self.reading is Reading.HEAD and self.head_bytes > self.rules.max_bytes

    def refuse(self, version: str | None, answer: bool = True) -> None:
        """Answer a head over the limits (414, 431) or one the parser rejected (400); close."""
        rules = self.rules
        error: LRSError
        if self.line_bytes > rules.max_line:
            error = URITooLongError(f"the request line exceeds the limit of {rules.max_line} bytes")
        elif self.head_bytes > rules.max_bytes:
            message = f"the request head exceeds the limit of {rules.max_bytes} bytes"
            error = HeaderFieldsTooLargeError(message)
        else:
            error = BadRequestError("the request is not valid HTTP/1.1")
        self._answer(error, version, answer)

    def connection_lost(self) -> None:
        self._disarm()

    def _expire(self) -> None:
        self.timer = None
        if self.reading is Reading.LINGER:
            self.transport.close()
        elif self.reading is Reading.HEAD and self.head_bytes:
            seconds = f"{self.rules.timeout:g}"
            message = f"the request head did not arrive within {seconds} s"
            self._answer(RequestTimeoutError(message), None)
        elif not self.transport.is_closing():
            self.transport.close()  # idle, or an answered request's body stopped coming

    @property
    def lingering(self) -> bool:
        """Refused already: input is to be discarded, not parsed."""
        return self.reading is Reading.LINGER

    def _answer(self, error: LRSError, version: str | None, answer: bool = True) -> None:
        self._disarm()
        if self.transport.is_closing():
            return
        if not answer or not self.transport.can_write_eof():
            self.transport.close()
            return
        version = version or self.rules.default_version
        self.transport.write(ErrorAnswer.of(error, version).http11(self.defaults()))
        self.transport.write_eof()  # the client reads the answer and closes; else the timer does
        self.reading = Reading.LINGER
        self._arm(LINGER_SECONDS)

    def _arm(self, seconds: float) -> None:
        self._disarm()
        loop = asyncio.get_running_loop()
        self.timer = loop.call_later(seconds, self._expire)

    def _disarm(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None


class _Guarded:
    """What both guarded protocols share: a `HeadGuard` per connection that sees every byte.

    Mixed in before uvicorn's protocol class, whose transport and state it uses; it takes the
    stream transport uvicorn hands it, narrower than asyncio's BaseTransport (hence the ignores).
    """

    rules: HeadRules
    guard: HeadGuard | None
    transport: asyncio.Transport
    server_state: ServerState
    cycle: Any

    def __init__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
        *,
        rules: HeadRules,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)  # type: ignore[call-arg]
        self.rules = rules
        self.guard = None

    def connection_made(self, transport: asyncio.Transport) -> None:
        super().connection_made(transport)  # type: ignore[misc]
        self.guard = HeadGuard(self.rules, transport, lambda: self.server_state.default_headers)
        self.guard.await_head()

    def connection_lost(self, exc: Exception | None) -> None:
        if self.guard is not None:
            self.guard.connection_lost()
        super().connection_lost(exc)  # type: ignore[misc]

    def data_received(self, data: bytes) -> None:
        guard = self.guard
        if guard is None or guard.lingering or self.transport.is_closing():
            return
        guard.received(data)
        super().data_received(data)  # type: ignore[misc]
        if guard.over_limit() and not self.transport.is_closing():
            guard.refuse(self._version_sent())

    def send_400_response(self, msg: str) -> None:
        if self.guard is None:
            super().send_400_response(msg)  # type: ignore[misc]
            return
        cycle = self.cycle
        answering = cycle is None or cycle.response_complete or not cycle.response_started
        self.guard.refuse(self._version_sent(), answer=answering)

    def _version_sent(self) -> str | None:
        """The xAPI version among the headers parsed so far, if the parser shows them."""
        return None


class GuardedHttpToolsProtocol(_Guarded, HttpToolsProtocol):  # type: ignore[misc]
    """uvicorn's httptools protocol with a `HeadGuard`."""

    in_body = False  # between a request head and the end of its body

    def on_headers_complete(self) -> None:
        self.in_body = True
        if self.guard is not None:
            self.guard.head_complete()
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        self.in_body = False
        if self.guard is not None:
            self.guard.body_complete()
        super().on_message_complete()

    def on_response_complete(self) -> None:
        pipelined = bool(self.pipeline)
        super().on_response_complete()
        if self.guard is not None and not pipelined:
            self.guard.response_complete(body_done=not self.in_body)

    def _version_sent(self) -> str | None:
        for name, value in self.headers or ():
            if name == b"x-experience-api-version":
                return negotiate_version(value.decode("latin-1"))
        return None


class GuardedH11Protocol(_Guarded, H11Protocol):  # type: ignore[misc]
    """uvicorn's h11 protocol with a `HeadGuard` (h11 caps the head size by itself too)."""

    def handle_events(self) -> None:
        cycle = self.cycle
        super().handle_events()
        if self.guard is None:
            return
        if self.cycle is not cycle:
            self.guard.head_complete()  # a new request reached the application
        elif self.conn.their_state is h11.IDLE:
            self.guard.body_complete()

    def on_response_complete(self) -> None:
        if self.guard is not None:
            self.guard.response_complete(body_done=self.conn.their_state is not h11.SEND_BODY)
        super().on_response_complete()


def http_protocol(settings: Settings) -> type[asyncio.Protocol]:
    """The protocol uvicorn runs (`http=`): the configured parser with these head rules.

    A partial rather than a class, so that it pickles into worker processes with its rules.
    """
    parser = settings.http.http_parser
    if parser == "auto":
        parser = "httptools" if find_spec("httptools") is not None else "h11"
    chosen = GuardedHttpToolsProtocol if parser == "httptools" else GuardedH11Protocol
    return cast("type[asyncio.Protocol]", partial(chosen, rules=head_rules(settings)))

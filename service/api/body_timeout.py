"""Pure ASGI middleware that gives up on request bodies arriving too slowly: 408, then close.

A body must keep moving: no wait for its next part may exceed `body_timeout`, and beyond that
first allowance it must average `body_min_rate` bytes a second (each byte received earns
1/`body_min_rate` seconds, as Apache's mod_reqtimeout counts); `body_max_seconds` optionally
caps the whole body. On expiry the client gets the xAPI error body with `Connection: close` at
once, and the application sees a disconnect, so it unwinds and gives back its admission slot
and body budget immediately rather than when the client goes away.
"""

from __future__ import annotations

import asyncio
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.api.error_answer import ErrorAnswer, request_version
from service.model.errors import RequestTimeoutError
from service.settings import HttpSettings

DISCONNECT: Message = {"type": "http.disconnect"}


class _Upload:
    """The progress of one request body against its pace."""

    def __init__(self, pace: HttpSettings) -> None:
        self.pace = pace
        self.started: float | None = None
        self.received = 0
        self.complete = False

    def seconds_left(self, now: float) -> float:
        """How long the next read may wait; zero or less means the body is late already."""
        pace = self.pace
        if self.started is None:
            self.started = now
        left = pace.body_timeout
        if pace.body_min_rate:
            earned = pace.body_timeout + self.received / pace.body_min_rate
            left = min(left, self.started + earned - now)
        if pace.body_max_seconds:
            left = min(left, self.started + pace.body_max_seconds - now)
        return left

    def note(self, message: Message) -> None:
        if message["type"] != "http.request":
            self.complete = True
            return
        self.received += len(message.get("body", b""))
        self.complete = not message.get("more_body", False)


class BodyTimeoutMiddleware:
    """See the module docstring."""

    def __init__(self, app: ASGIApp, *, pace: HttpSettings, default_version: str) -> None:
        self.app = app
        self.pace = pace
        self.default_version = default_version

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        upload = _Upload(self.pace)
        responded = False
        timed_out = False

        async def send_unless_timed_out(message: Message) -> None:
            nonlocal responded
            if timed_out:
                return  # the 408 is the answer; what the unwinding application says is moot
            if message["type"] == "http.response.start":
                responded = True
            await send(message)

        async def receive_in_time() -> Message:
            nonlocal timed_out
            if timed_out:
                return DISCONNECT
            if upload.complete:
                return await receive()  # waiting for a disconnect is not reading a body
            try:
                async with asyncio.timeout(upload.seconds_left(time.monotonic())):
                    message = await receive()
            except TimeoutError:
                timed_out = True
                if not responded:
                    await self._refuse(scope, send)
                return DISCONNECT
            upload.note(message)
            return message

        try:
            await self.app(scope, receive_in_time, send_unless_timed_out)
        except Exception:
            if not timed_out:
                raise
            # The disconnect made the application give up; the client already has its 408.

    async def _refuse(self, scope: Scope, send: Send) -> None:
        error = RequestTimeoutError("the request body did not arrive in time")
        await ErrorAnswer.of(error, request_version(scope, self.default_version)).send(scope, send)

"""Pure ASGI middleware that sheds requests beyond capacity with 503 and Retry-After.

It runs before any handler reads a body, so a refused request costs a header parse and a short
JSON answer. Operations endpoints are never refused: they must answer while the service is full.
A body that will be parsed (JSON, multipart, forms) is charged PARSED_EXPANSION times its
declared length as work; once a handler has read it, `settle_work` replaces that guess by an
estimate from the text itself.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from dataclasses import dataclass

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from service.api.content_encoding import request_encoding
from service.api.error_answer import ErrorAnswer, request_version
from service.model.errors import OVERLOAD_RETRY_AFTER, ServiceUnavailableError
from service.ops.admission import WORK_BYTES, Admission, Ticket
from service.xapi.json_size import parsed_size_estimate

OPERATIONS = frozenset({"/healthz", "/readyz", "/metrics", "/version"})
WRITE_METHODS = frozenset({"POST", "PUT", "DELETE", "PATCH"})
MESSAGES = {
    "requests": "the service is at capacity; retry later",
    "writes": "too many writes are waiting for the store; retry later",
    "body_bytes": "too many request bytes are being received; retry later",
    "work_bytes": "too much request data is being processed; retry later",
    "credential_share": "this credential holds its share of the write capacity; retry later",
}
SCOPE_KEY = "lrs.admission"
# Parsed and validated statements hold about 16 times their JSON text at their peak (measured
# on generated statements: 2.3 MB of text, 37 MiB peak); the settled estimate corrects it.
PARSED_EXPANSION = 16
_UNPARSED = ("application/octet-stream", "text/", "image/", "audio/", "video/", "font/")


@dataclass(slots=True)
class Grant:
    """An admitted request's ticket, kept in its scope so a handler can settle it."""

    admission: Admission
    ticket: Ticket


def overloaded(limit: str) -> ServiceUnavailableError:
    """The 503 for a request refused because `limit` is reached."""
    return ServiceUnavailableError(MESSAGES[limit], retry_after=OVERLOAD_RETRY_AFTER, limit=limit)


def credential_key(headers: Headers) -> str:
    """The Basic-auth username (the credential key), or "" when there is none to read."""
    value = headers.get("authorization", "")
    scheme, _, token = value.partition(" ")
    if scheme.lower() != "basic":
        return ""
    try:
        decoded = base64.b64decode(token.strip(), validate=True)
    except (binascii.Error, ValueError):
        return ""
    return decoded.partition(b":")[0].decode("utf-8", "replace")


def ticket_for(scope: Scope, chunked_bytes: int) -> Ticket:
    """The cost of a request from its method, declared length (chunked or compressed:
    `chunked_bytes`), content type and credential."""
    headers = Headers(scope=scope)
    length = headers.get("content-length")
    if request_encoding(scope) is not None:
        size = work = chunked_bytes  # a compressed body decodes to up to the body limit; settled
    elif length is not None and length.isdigit():
        size = int(length)
        content_type = headers.get("content-type", "").lower()
        parsed = not content_type.startswith(_UNPARSED)
        work = size * PARSED_EXPANSION if parsed else size
    elif "transfer-encoding" in headers:
        size = work = chunked_bytes  # settled once the body is read
    else:
        size = work = 0  # no length and not chunked: no body; a bad length is the handler's 400
    return Ticket(
        write=scope["method"] in WRITE_METHODS,
        body_bytes=size,
        work_bytes=work,
        key=credential_key(headers),
    )


def settle_work(scope: Scope, body: bytes, *, parsed: bool = True) -> None:
    """Charge the request for what its read `body` will cost (parsed JSON: an estimate from
    the text); 503 when that is more than was charged and the rest does not fit."""
    grant: Grant | None = scope.get(SCOPE_KEY)
    if grant is None:
        return
    work = parsed_size_estimate(body) if parsed else len(body)
    settled = grant.admission.settle(grant.ticket, work)
    if settled is None:
        raise overloaded(WORK_BYTES)
    grant.ticket = settled


class AdmissionMiddleware:
    """See the module docstring; `on_shed(limit)` counts each refusal."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        admission: Admission,
        default_version: str,
        chunked_bytes: int,
        on_shed: Callable[[str], None],
    ) -> None:
        self.app = app
        self.admission = admission
        self.default_version = default_version
        self.chunked_bytes = chunked_bytes
        self.on_shed = on_shed

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in OPERATIONS:
            await self.app(scope, receive, send)
            return
        ticket = ticket_for(scope, self.chunked_bytes)
        refused = await self.admission.enter(ticket)
        if refused is not None:
            self.on_shed(refused)
            await self._refuse(scope, send, refused)
            return
        grant = Grant(self.admission, ticket)
        scope[SCOPE_KEY] = grant
        try:
            await self.app(scope, receive, send)
        finally:
            self.admission.leave(grant.ticket)

    async def _refuse(self, scope: Scope, send: Send, limit: str) -> None:
        """503 with Retry-After, the xAPI error body and version header; the body stays unread."""
        version = request_version(scope, self.default_version)
        await ErrorAnswer.of(overloaded(limit), version).send(scope, send)

"""One delivery attempt of an outbox batch over HTTP: to an xAPI endpoint or a webhook."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from http import HTTPStatus

import httpx
import orjson

from service.model.forwarding import ForwardTarget, OutboxBatch, OutboxItem
from service.model.statements import StoredAttachment
from service.xapi.multipart import render_multipart_mixed
from service.xapi.statement_requests import attachment_hashes

AttachmentLoader = Callable[[str, list[str]], Awaitable[list[StoredAttachment]]]
SIGNATURE_HEADER = "X-LRS-Signature"
_ERROR_TEXT_LIMIT = 160
_SPLIT_STATUSES = frozenset({400, 409, 413})  # one statement may be to blame: send one by one


@dataclass(frozen=True, slots=True)
class Attempt:
    """How many leading items were delivered, and why the next one was not (None: all were)."""

    delivered: int
    error: str | None = None


async def deliver(
    client: httpx.AsyncClient, batch: OutboxBatch, load: AttachmentLoader, deadline: float
) -> Attempt:
    """Send the batch in order; never raises for a downstream problem, reports it instead."""
    target = batch.target
    try:
        if target.kind == "webhook":
            response = await _post_webhook(client, target, batch.items)
            if response.is_success:
                return Attempt(len(batch.items))
            return Attempt(0, _status_error(response))
        response = await _post_xapi(client, target, batch.items, load)
        if response.is_success:
            return Attempt(len(batch.items))
        if response.status_code in _SPLIT_STATUSES and len(batch.items) > 1:
            return await _one_by_one(client, target, batch.items, load, deadline)
        return Attempt(0, _status_error(response))
    except httpx.HTTPError as exc:
        return Attempt(0, _transport_error(exc))


async def _one_by_one(
    client: httpx.AsyncClient,
    target: ForwardTarget,
    items: list[OutboxItem],
    load: AttachmentLoader,
    deadline: float,
) -> Attempt:
    """Isolate the statement the downstream refuses; 409 (already there) counts as delivered."""
    for done, item in enumerate(items):
        if time.monotonic() > deadline:
            return Attempt(done)  # the lease ends soon: stop without blaming anyone
        response = await _post_xapi(client, target, [item], load)
        if not (response.is_success or response.status_code == 409):
            return Attempt(done, _status_error(response))
    return Attempt(len(items))


async def _post_xapi(
    client: httpx.AsyncClient,
    target: ForwardTarget,
    items: list[OutboxItem],
    load: AttachmentLoader,
) -> httpx.Response:
    body = b"[" + b",".join(item.body for item in items) + b"]"
    headers = {"X-Experience-API-Version": target.xapi_version, "Content-Type": "application/json"}
    if target.username is not None:
        token = f"{target.username}:{target.password or ''}".encode()
        headers["Authorization"] = "Basic " + base64.b64encode(token).decode()
    attachments = await _attachments(target.tenant, items, load)
    if attachments:
        body, headers["Content-Type"] = render_multipart_mixed(body, attachments)
    return await client.post(target.url.rstrip("/") + "/statements", content=body, headers=headers)


async def _attachments(
    tenant: str, items: list[OutboxItem], load: AttachmentLoader
) -> list[StoredAttachment]:
    """Raw attachment data sent with the statements (signatures included), from the store."""
    with_attachments = [i for i in items if b'"attachments"' in i.body]
    if not with_attachments:
        return []
    statements = [orjson.loads(i.body) for i in with_attachments]
    return await load(tenant, attachment_hashes(statements, [i.uploaded for i in with_attachments]))


async def _post_webhook(
    client: httpx.AsyncClient, target: ForwardTarget, items: list[OutboxItem]
) -> httpx.Response:
    """`{"tenant", "target", "statements"}` as JSON, HMAC-SHA256 signed when a secret is set."""
    body = (
        b'{"tenant":'
        + orjson.dumps(target.tenant)
        + b',"target":'
        + orjson.dumps(target.name)
        + b',"statements":['
        + b",".join(item.body for item in items)
        + b"]}"
    )
    headers = {"Content-Type": "application/json"}
    if target.password:
        digest = hmac.new(target.password.encode(), body, hashlib.sha256).hexdigest()
        headers[SIGNATURE_HEADER] = f"sha256={digest}"
    return await client.post(target.url, content=body, headers=headers)


def _status_error(response: httpx.Response) -> str:
    """A status line only: the downstream's body and reason phrase are never echoed, so a
    target cannot be used to read an internal service's answers through `last_error`."""
    try:
        phrase = HTTPStatus(response.status_code).phrase
    except ValueError:
        phrase = "unknown status"
    return f"HTTP {response.status_code} {phrase}"


def _transport_error(exc: httpx.HTTPError) -> str:
    """The exception's kind and the first line of its message, kept short: protocol errors
    can quote bytes the downstream sent."""
    name = type(exc).__name__
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    if isinstance(exc, httpx.ProtocolError | httpx.DecodingError):
        return name  # the message may quote the downstream's bytes
    return f"{name}: {text[:_ERROR_TEXT_LIMIT]}" if text else name

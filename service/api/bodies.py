"""Reading request bodies without ever holding more than the configured limit (T-24)."""

from __future__ import annotations

from starlette.types import Message, Receive

from service.model.errors import BadRequestError, PayloadTooLargeError


def check_declared_length(content_length: str | None, limit: int) -> None:
    """413 before reading when the declared length is already too large."""
    if content_length is None:
        return
    if not content_length.isdigit():
        raise BadRequestError("Content-Length must be a non-negative integer")
    if int(content_length) > limit:
        raise PayloadTooLargeError(f"request body exceeds the limit of {limit} bytes")


async def read_limited(receive: Receive, limit: int) -> bytes:
    """The whole body from an ASGI receive channel, failing with 413 once it passes `limit`."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message: Message = await receive()
        if message["type"] == "http.disconnect":
            raise BadRequestError("the client disconnected before sending the whole body")
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise PayloadTooLargeError(f"request body exceeds the limit of {limit} bytes")
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)

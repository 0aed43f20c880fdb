"""Request bodies sent with `Content-Encoding: gzip` or `deflate`, decoded as they are read.

The decoder hands the application at most `PIECE` decoded bytes per receive, so the body
readers' limit (413 past `LRS_MAX_BODY_BYTES` decoded bytes) stops a decompression bomb after
that many bytes of work and memory. Other encodings get 415 when the body is read.
"""

from __future__ import annotations

import zlib

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.model.errors import BadRequestError, UnsupportedMediaTypeError

PIECE = 64 * 1024
WINDOW_BITS = {
    "gzip": 16 + zlib.MAX_WBITS,
    "x-gzip": 16 + zlib.MAX_WBITS,
    "deflate": zlib.MAX_WBITS,
}
DROPPED_HEADERS = (b"content-encoding", b"content-length")  # they describe the encoded bytes


def request_encoding(scope: Scope) -> str | None:
    """The request's content coding, lower case; None when absent or `identity`."""
    values = [v for k, v in scope["headers"] if k == b"content-encoding"]
    coding = b",".join(values).decode("latin-1").strip().lower()
    return None if coding in ("", "identity") else coding


class ContentEncodingMiddleware:
    """Decodes gzip/deflate request bodies for every handler; refuses other codings (415)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        coding = request_encoding(scope) if scope["type"] == "http" else None
        if coding is None:
            await self.app(scope, receive, send)
            return
        headers = [(k, v) for k, v in scope["headers"] if k not in DROPPED_HEADERS]
        await self.app({**scope, "headers": headers}, _decoding(receive, coding), send)


def _decoding(receive: Receive, coding: str) -> Receive:
    """A receive channel that yields the decoded body in pieces of at most PIECE bytes."""
    if coding not in WINDOW_BITS:

        async def refuse() -> Message:
            raise UnsupportedMediaTypeError(
                f"Content-Encoding {coding!r} is not supported; send gzip, deflate or identity"
            )

        return refuse
    decoder = zlib.decompressobj(WINDOW_BITS[coding])
    pending = b""  # compressed input not yet decoded
    ended = False  # the client sent its last body message

    async def decoded() -> Message:
        nonlocal pending, ended
        while True:
            if pending:
                try:
                    piece = decoder.decompress(pending, PIECE)
                except zlib.error as exc:
                    raise BadRequestError(f"the {coding} request body is corrupt") from exc
                pending = decoder.unconsumed_tail
                if decoder.eof and (decoder.unused_data or pending):
                    raise BadRequestError(f"data follows the end of the {coding} request body")
                if piece:
                    return {"type": "http.request", "body": piece, "more_body": True}
            if ended:
                if not decoder.eof:
                    raise BadRequestError(f"the {coding} request body is truncated")
                return {"type": "http.request", "body": b"", "more_body": False}
            message = await receive()
            if message["type"] != "http.request":
                return message  # a disconnect: the reader reports it
            pending += message.get("body", b"")
            ended = not message.get("more_body", False)

    return decoded

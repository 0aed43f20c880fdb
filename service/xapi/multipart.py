"""RFC 2046 multipart/mixed parsing and rendering for statement requests (AT-2, AT-20)."""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from service.model.errors import BadRequestError

if TYPE_CHECKING:
    from service.model.statements import StoredAttachment

CRLF = b"\r\n"
_PARAM = re.compile(r';\s*([!#$%&\'*+.^_`|~0-9A-Za-z-]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^;\s]*)')
_QUOTED_PAIR = re.compile(r"\\(.)")
_BOUNDARY = re.compile(r"[0-9A-Za-z'()+_,./:=? -]{0,69}[0-9A-Za-z'()+_,./:=?-]")


@dataclass(frozen=True, slots=True)
class Part:
    """One body part: lower-cased header names with stripped values, and raw body bytes (AT-2)."""

    headers: dict[str, str]
    body: bytes


def media_type(content_type: str) -> str:
    """Return the lower-cased media type of a Content-Type value without parameters (T-5)."""
    return content_type.split(";", 1)[0].strip().lower()


def boundary_of(content_type: str) -> str:
    """Return the (possibly quoted) boundary parameter of a multipart Content-Type (AT-2)."""
    for name, raw in _PARAM.findall(content_type):
        if name.lower() != "boundary":
            continue
        value = _QUOTED_PAIR.sub(r"\1", raw[1:-1]) if raw.startswith('"') else raw
        if not _BOUNDARY.fullmatch(value):
            raise BadRequestError("multipart boundary is not a valid RFC 2046 boundary")
        return value
    raise BadRequestError("multipart/mixed Content-Type lacks a boundary parameter")


def parse_multipart_mixed(body: bytes, boundary: str) -> list[Part]:
    """Split a multipart/mixed body into its parts, ignoring preamble and epilogue (AT-2)."""
    dash = b"--" + boundary.encode()
    delimiter = CRLF + dash
    if body.startswith(dash):
        pos = len(dash)
    else:
        found = body.find(delimiter)
        if found < 0:
            raise BadRequestError("multipart body has no boundary delimiter")
        pos = found + len(delimiter)
    parts: list[Part] = []
    while not body.startswith(b"--", pos):
        start = _after_delimiter_line(body, pos)
        end = body.find(delimiter, start)
        if end < 0:
            raise BadRequestError("multipart body lacks its closing delimiter")
        parts.append(_parse_part(body[start:end]))
        pos = end + len(delimiter)
    if not parts:
        raise BadRequestError("multipart body has no parts")
    return parts


def _after_delimiter_line(body: bytes, pos: int) -> int:
    """Return the offset after a delimiter's optional transport padding and CRLF (AT-2)."""
    while body[pos : pos + 1] in (b" ", b"\t"):
        pos += 1
    if not body.startswith(CRLF, pos):
        raise BadRequestError("multipart delimiter is not followed by CRLF")
    return pos + len(CRLF)


def _parse_part(raw: bytes) -> Part:
    """Split one encapsulated part into headers and body at the first blank line (AT-2)."""
    if raw.startswith(CRLF):
        return Part(headers={}, body=raw[len(CRLF) :])
    split = raw.find(CRLF + CRLF)
    if split < 0:
        raise BadRequestError("multipart part has no blank line after its headers")
    return Part(headers=_parse_headers(raw[:split]), body=raw[split + 2 * len(CRLF) :])


def _parse_headers(block: bytes) -> dict[str, str]:
    """Parse header lines (space after ':' optional, folded lines joined) (AT-2)."""
    try:
        text = block.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadRequestError("multipart part headers are not valid UTF-8") from exc
    headers: dict[str, str] = {}
    last = ""
    for line in text.split("\r\n"):
        if line[:1] in (" ", "\t") and last:
            headers[last] = f"{headers[last]} {line.strip()}".strip()
            continue
        name, colon, value = line.partition(":")
        name = name.strip().lower()
        if not colon or not name:
            raise BadRequestError("malformed multipart part header line")
        if name in headers:
            raise BadRequestError(f"duplicate multipart part header '{name}'")
        headers[name] = value.strip()
        last = name
    return headers


def render_multipart_mixed(
    first_part_json: bytes, attachments: Sequence[StoredAttachment]
) -> tuple[bytes, str]:
    """Render a statement response with one part per distinct attachment (AT-20, AT-21)."""
    chunks, content_type = multipart_mixed_chunks(first_part_json, attachments)
    return b"".join(chunks), content_type


def multipart_mixed_chunks(
    first_part_json: bytes, attachments: Sequence[StoredAttachment]
) -> tuple[list[bytes], str]:
    """`render_multipart_mixed` as the pieces of the body, for sending without joining them."""
    distinct: dict[str, StoredAttachment] = {}
    for attachment in attachments:
        distinct.setdefault(attachment.sha2.lower(), attachment)
    boundary = _fresh_boundary([first_part_json, *(a.data for a in distinct.values())])
    dash = b"--" + boundary.encode("ascii")
    chunks = [dash, CRLF, b"Content-Type: application/json", CRLF, CRLF, first_part_json, CRLF]
    for attachment in distinct.values():
        content_type = " ".join(attachment.content_type.split())
        chunks += [
            dash,
            CRLF,
            f"Content-Type: {content_type}".encode(),
            CRLF,
            b"Content-Transfer-Encoding: binary",
            CRLF,
            f"X-Experience-API-Hash: {attachment.sha2}".encode(),
            CRLF,
            CRLF,
            attachment.data,
            CRLF,
        ]
    chunks += [dash, b"--"]
    return chunks, f"multipart/mixed; boundary={boundary}"


def _fresh_boundary(bodies: Sequence[bytes]) -> str:
    """Pick a random hex boundary that occurs in none of the part bodies (AT-20)."""
    while True:
        boundary = secrets.token_hex(16)
        marker = boundary.encode("ascii")
        if not any(marker in body for body in bodies):
            return boundary

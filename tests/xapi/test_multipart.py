"""Unit tests for multipart/mixed parsing and rendering (AT-2, AT-20, AT-21)."""

from __future__ import annotations

import hashlib
import re

import pytest

from service.model.errors import BadRequestError
from service.model.statements import StoredAttachment
from service.xapi.multipart import Part, boundary_of, parse_multipart_mixed, render_multipart_mixed

B = "abc123"


def _attachment(data: bytes, content_type: str = "text/plain") -> StoredAttachment:
    return StoredAttachment(hashlib.sha256(data).hexdigest(), content_type, data)


@pytest.mark.parametrize(
    ("content_type", "expected"),
    [
        ("multipart/mixed; boundary=abc123", "abc123"),
        ('multipart/mixed; boundary="abc123"', "abc123"),
        ('multipart/mixed; boundary="with space:and=equals"', "with space:and=equals"),
        ("multipart/mixed;boundary=abc123", "abc123"),
        ("Multipart/Mixed; charset=utf-8; BOUNDARY=xyz", "xyz"),
    ],
)
def test_at2_boundary_plain_and_quoted(content_type: str, expected: str) -> None:
    """AT-2: the boundary parameter is read, quoted or not, name case-insensitive."""
    assert boundary_of(content_type) == expected


@pytest.mark.parametrize(
    "content_type",
    ["multipart/mixed", "multipart/mixed; charset=utf-8", 'multipart/mixed; boundary=""'],
)
def test_at2_missing_boundary_rejected(content_type: str) -> None:
    """AT-2: a multipart/mixed Content-Type without a usable boundary is a 400."""
    with pytest.raises(BadRequestError):
        boundary_of(content_type)


def test_at2_parse_two_parts() -> None:
    """AT-2: parts are split at delimiters; header names lower-cased, values stripped."""
    body = (
        b'--abc123\r\nContent-Type: application/json\r\n\r\n{"a":1}\r\n'
        b"--abc123\r\nContent-Type: text/plain\r\nX-Experience-API-Hash:  ff \r\n\r\nhi\r\n"
        b"--abc123--"
    )
    assert parse_multipart_mixed(body, B) == [
        Part({"content-type": "application/json"}, b'{"a":1}'),
        Part({"content-type": "text/plain", "x-experience-api-hash": "ff"}, b"hi"),
    ]


def test_at2_leading_crlf_preamble_and_epilogue() -> None:
    """AT-2: a leading CRLF or other preamble and an epilogue after `--b--` are ignored."""
    body = b"\r\n--abc123\r\nContent-Type: a/b\r\n\r\nX\r\n--abc123--\r\n"
    assert parse_multipart_mixed(body, B) == [Part({"content-type": "a/b"}, b"X")]
    body = b"preamble text\r\n--abc123\r\nContent-Type: a/b\r\n\r\nX\r\n--abc123--\r\nepilogue"
    assert parse_multipart_mixed(body, B) == [Part({"content-type": "a/b"}, b"X")]


def test_at2_header_without_space_after_colon() -> None:
    """AT-2: `Content-Type:application/json` (no space) is a valid header line."""
    body = b"--abc123\r\nContent-Type:application/json\r\n\r\n[]\r\n--abc123--"
    assert parse_multipart_mixed(body, B)[0].headers == {"content-type": "application/json"}


def test_at2_body_bytes_kept_verbatim() -> None:
    """AT-2: the part body is exactly the bytes before the CRLF preceding the next delimiter."""
    raw = b"\x00\xff\r\n\r\nline\r\n--abc12 not a delimiter\r\n"
    body = b"--abc123\r\nContent-Type: a/b\r\n\r\n" + raw + b"\r\n--abc123--"
    assert parse_multipart_mixed(body, B)[0].body == raw


def test_at2_empty_headers_padding_and_folding() -> None:
    """AT-2: a part may have no headers; delimiter padding and folded headers are accepted."""
    body = b"--abc123 \t\r\n\r\nbare\r\n--abc123\r\nX-A: one\r\n two\r\n\r\n\r\n--abc123--"
    assert parse_multipart_mixed(body, B) == [Part({}, b"bare"), Part({"x-a": "one two"}, b"")]


@pytest.mark.parametrize(
    "body",
    [
        b"no delimiter at all",
        b"--abc123\r\nContent-Type: a/b\r\n\r\nunterminated",
        b"--abc123\r\nContent-Type: a/b\r\n--abc123--",
        b"--abc123\r\nno colon here\r\n\r\nx\r\n--abc123--",
        b"--abc123\r\n: empty name\r\n\r\nx\r\n--abc123--",
        b"--abc123\r\nA: 1\r\nA: 2\r\n\r\nx\r\n--abc123--",
        b"--abc123\r\nA: \xff\r\n\r\nx\r\n--abc123--",
        b"--abc123junk\r\nA: 1\r\n\r\nx\r\n--abc123--",
        b"--abc123--",
        b"",
    ],
)
def test_at2_malformed_multipart_rejected(body: bytes) -> None:
    """AT-2: unparseable multipart bodies are a 400."""
    with pytest.raises(BadRequestError):
        parse_multipart_mixed(body, B)


def test_at20_content_type_and_layout() -> None:
    """AT-20: `multipart/mixed; boundary=<b>` with a safe boundary and exact CRLF layout."""
    attachment = _attachment(b"hello")
    body, content_type = render_multipart_mixed(b'{"s":1}', [attachment])
    match = re.fullmatch(r"multipart/mixed; boundary=([A-Za-z0-9_-]+)", content_type)
    assert match is not None
    dash = b"--" + match.group(1).encode()
    assert body == (
        dash + b"\r\nContent-Type: application/json\r\n\r\n" + b'{"s":1}\r\n'
        + dash + b"\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: binary\r\n"
        + b"X-Experience-API-Hash: " + attachment.sha2.encode() + b"\r\n\r\nhello\r\n"
        + dash + b"--"
    )  # fmt: skip


def test_at20_each_distinct_hash_once_and_round_trip() -> None:
    """AT-20: duplicate sha2s are sent once; the output parses back to the same parts."""
    first, second = _attachment(b"one"), _attachment(b"\x00two\r\n", "image/png")
    body, content_type = render_multipart_mixed(b"[]", [first, second, _attachment(b"one")])
    assert body.count(first.sha2.encode()) == 1
    parts = parse_multipart_mixed(body, boundary_of(content_type))
    assert [p.body for p in parts] == [b"[]", b"one", b"\x00two\r\n"]
    assert parts[2].headers == {
        "content-type": "image/png",
        "content-transfer-encoding": "binary",
        "x-experience-api-hash": second.sha2,
    }


def test_at21_no_attachments_only_json_part() -> None:
    """AT-21: without attachment data the response holds only the JSON part."""
    body, content_type = render_multipart_mixed(b"{}", [])
    parts = parse_multipart_mixed(body, boundary_of(content_type))
    assert parts == [Part({"content-type": "application/json"}, b"{}")]


def test_at20_boundary_random_and_header_injection_neutralised() -> None:
    """AT-20: boundaries differ per response; a CRLF in a content type cannot add headers."""
    attachment = _attachment(b"x", "text/plain\r\nX-Evil: 1")
    body, first = render_multipart_mixed(b"{}", [attachment])
    _, second = render_multipart_mixed(b"{}", [attachment])
    assert first != second
    assert not any(line.startswith(b"X-Evil") for line in body.split(b"\r\n"))
    assert b"Content-Type: text/plain X-Evil: 1\r\n" in body

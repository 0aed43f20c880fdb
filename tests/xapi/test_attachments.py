"""Unit tests for statement request splitting and attachment matching (T-5, T-6, AT-1..AT-3)."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from service.model.errors import BadRequestError
from service.model.statements import StoredAttachment
from service.xapi.attachments import match_attachment_parts, split_statement_request
from service.xapi.multipart import Part

MULTIPART = "multipart/mixed; boundary=xyz"
DATA = b"attachment bytes"
SHA = hashlib.sha256(DATA).hexdigest()


def _multipart(*parts: tuple[str, bytes]) -> bytes:
    chunks = [
        b"--xyz\r\n" + headers.encode() + b"\r\n\r\n" + body + b"\r\n" for headers, body in parts
    ]
    return b"\r\n" + b"".join(chunks) + b"--xyz--\r\n"


def _attachment(sha2: str = SHA, **extra: Any) -> dict[str, Any]:
    return {
        "usageType": "http://example.com/usage",
        "display": {"en-US": "a"},
        "contentType": "text/plain",
        "length": 3,
        "sha2": sha2,
        **extra,
    }


def _statement(*attachments: dict[str, Any]) -> dict[str, Any]:
    return {"actor": {"mbox": "mailto:a@b.c"}, "attachments": list(attachments)}


def _part(data: bytes = DATA, /, **headers: str) -> Part:
    base = {
        "content-type": "text/plain",
        "content-transfer-encoding": "binary",
        "x-experience-api-hash": hashlib.sha256(data).hexdigest(),
    }
    return Part({**base, **headers}, data)


@pytest.mark.parametrize(
    "content_type", ["application/json", "application/json; charset=utf-8", "Application/JSON"]
)
def test_t5_json_body_returned_unchanged(content_type: str) -> None:
    """T-5: application/json with any parameters passes the body through with no parts."""
    assert split_statement_request(b'{"a":1}', content_type) == (b'{"a":1}', [])


@pytest.mark.parametrize(
    "content_type", ["multipart/form-data; boundary=xyz", "text/plain", "", "application/jsonx"]
)
def test_t5_other_content_types_rejected(content_type: str) -> None:
    """T-5: content types other than JSON and multipart/mixed are a 400."""
    with pytest.raises(BadRequestError):
        split_statement_request(b"{}", content_type)


def test_at2_multipart_split_into_json_and_parts() -> None:
    """AT-2: the first part holds the statements, later parts are returned for matching."""
    headers = "\r\n".join(
        [
            "Content-Type: text/plain",
            "Content-Transfer-Encoding: binary",
            f"X-Experience-API-Hash: {SHA}",
        ]
    )
    body = _multipart(("Content-Type:application/json; charset=UTF-8", b"[{}]"), (headers, DATA))
    statements, parts = split_statement_request(body, MULTIPART)
    assert statements == b"[{}]"
    assert [part.body for part in parts] == [DATA]


def test_t6_multipart_with_only_json_part() -> None:
    """T-6: multipart/mixed with zero attachment parts is accepted."""
    body = _multipart(("Content-Type: application/json", b"{}"))
    assert split_statement_request(body, 'multipart/mixed; boundary="xyz"') == (b"{}", [])


@pytest.mark.parametrize("headers", ["Content-Type: text/plain", "X-Other: 1"])
def test_at2_first_part_must_be_json(headers: str) -> None:
    """AT-2: a first part that is not application/json is a 400."""
    with pytest.raises(BadRequestError, match="first multipart part"):
        split_statement_request(_multipart((headers, b"{}")), MULTIPART)


def test_at2_second_json_part_rejected() -> None:
    """AT-2: a second application/json part that is not an attachment is a 400."""
    body = _multipart(
        ("Content-Type: application/json", b"{}"), ("Content-Type: application/json", b"{}")
    )
    with pytest.raises(BadRequestError, match="first multipart part"):
        split_statement_request(body, MULTIPART)


def test_at2_json_attachment_part_allowed() -> None:
    """AT-2: a later application/json part carrying a hash is an attachment, not statements."""
    body = _multipart(
        ("Content-Type: application/json", b"{}"),
        ("Content-Type: application/json\r\nX-Experience-API-Hash: ab", b"{}"),
    )
    assert len(split_statement_request(body, MULTIPART)[1]) == 1


def test_at2_multipart_without_boundary_rejected() -> None:
    """AT-2: multipart/mixed without a boundary parameter is a 400."""
    with pytest.raises(BadRequestError, match="boundary"):
        split_statement_request(
            _multipart(("Content-Type: application/json", b"{}")), "multipart/mixed"
        )


def test_at1_plain_json_attachment_without_fileurl_rejected() -> None:
    """AT-1: an attachment without fileUrl in a plain JSON request is a 400."""
    with pytest.raises(BadRequestError, match="no multipart part"):
        match_attachment_parts([_statement(_attachment())], [])


def test_at1_plain_json_attachment_with_fileurl_accepted() -> None:
    """AT-1: attachments that all have fileUrl need no parts."""
    statement = _statement(_attachment(fileUrl="http://example.com/file"))
    assert match_attachment_parts([statement], []) == {}


def test_at2_matching_part_returned_by_sha2() -> None:
    """AT-2: a matching binary part yields its data keyed by lower-case sha2."""
    result = match_attachment_parts([_statement(_attachment(SHA.upper()))], [_part()])
    assert result == {SHA: StoredAttachment(SHA, "text/plain", DATA)}


def test_at2_hash_header_case_insensitive_and_content_type_fallback() -> None:
    """AT-2: hash header compared case-insensitively; missing part type uses contentType."""
    part = Part({"content-transfer-encoding": "BINARY", "x-experience-api-hash": SHA.upper()}, DATA)
    result = match_attachment_parts([_statement(_attachment(contentType="text/x"))], [part])
    assert result[SHA].content_type == "text/x"


def test_at2_length_not_checked() -> None:
    """AT-2/CS-17: `length` is not compared with the part size."""
    statement = _statement(_attachment(length=1))
    assert match_attachment_parts([statement], [_part()])[SHA].data == DATA


def test_at2_missing_hash_header_rejected() -> None:
    """AT-2: a part without X-Experience-API-Hash is a 400."""
    part = Part({"content-type": "text/plain", "content-transfer-encoding": "binary"}, DATA)
    with pytest.raises(BadRequestError, match="X-Experience-API-Hash"):
        match_attachment_parts([_statement(_attachment())], [part])


def test_at2_unreferenced_part_rejected() -> None:
    """AT-2/CS-17: a part whose hash matches no attachment is a 400."""
    extra = _part(b"other")
    with pytest.raises(BadRequestError, match="matches no attachment"):
        match_attachment_parts([_statement(_attachment())], [_part(), extra])


@pytest.mark.parametrize("encoding", ["base64", "", None])
def test_at2_non_binary_transfer_encoding_rejected(encoding: str | None) -> None:
    """AT-2/CS-17: Content-Transfer-Encoding other than binary, or missing, is a 400."""
    part = _part()
    headers = {k: v for k, v in part.headers.items() if k != "content-transfer-encoding"}
    if encoding is not None:
        headers["content-transfer-encoding"] = encoding
    with pytest.raises(BadRequestError, match="binary"):
        match_attachment_parts([_statement(_attachment())], [Part(headers, DATA)])


def test_at2_missing_part_rejected() -> None:
    """AT-2/CS-17: an attachment without fileUrl and without a matching part is a 400."""
    other = hashlib.sha256(b"other").hexdigest()
    statement = _statement(_attachment(), _attachment(other))
    with pytest.raises(BadRequestError, match=other):
        match_attachment_parts([statement], [_part()])


def test_at2_hash_mismatch_rejected() -> None:
    """AT-2: part bytes whose digest differs from the header are a 400."""
    part = _part(b"tampered", **{"x-experience-api-hash": SHA})
    with pytest.raises(BadRequestError, match="does not match"):
        match_attachment_parts([_statement(_attachment())], [part])


@pytest.mark.parametrize("algorithm", ["sha224", "sha384", "sha512"])
def test_at2_hash_algorithm_chosen_by_length(algorithm: str) -> None:
    """AT-2: SHA-224/384/512 digests are verified by hex length."""
    digest = hashlib.new(algorithm, DATA).hexdigest()
    part = _part(**{"x-experience-api-hash": digest})
    assert match_attachment_parts([_statement(_attachment(digest))], [part])[digest].data == DATA
    wrong = hashlib.new(algorithm, b"x").hexdigest()
    with pytest.raises(BadRequestError):
        match_attachment_parts(
            [_statement(_attachment(wrong))], [_part(**{"x-experience-api-hash": wrong})]
        )


@pytest.mark.parametrize("sha2", ["abc", "z" * 64])
def test_at2_non_sha2_hash_rejected(sha2: str) -> None:
    """AT-2: a hash that is not SHA-2 hex cannot be verified and is a 400."""
    with pytest.raises(BadRequestError, match="not a SHA-2"):
        match_attachment_parts(
            [_statement(_attachment(sha2))], [_part(**{"x-experience-api-hash": sha2})]
        )


def test_at2_one_part_serves_several_attachments_across_batch() -> None:
    """AT-2/AT-3: one part may serve equal sha2s on several statements of a batch."""
    batch = [_statement(_attachment()), _statement(), _statement(_attachment(), _attachment())]
    assert list(match_attachment_parts(batch, [_part()])) == [SHA]


def test_at2_substatement_attachments_need_parts() -> None:
    """AT-2: attachments inside a SubStatement also need a part unless they have fileUrl."""
    statement = {"object": {"objectType": "SubStatement", "attachments": [_attachment()]}}
    with pytest.raises(BadRequestError):
        match_attachment_parts([statement], [])
    assert SHA in match_attachment_parts([statement], [_part()])


def test_at2_attachment_sha2_must_be_string() -> None:
    """AT-2: an attachment whose sha2 is not a string cannot be matched and is a 400."""
    with pytest.raises(BadRequestError, match="sha2"):
        match_attachment_parts([_statement(_attachment(sha2=1))], [])  # type: ignore[arg-type]

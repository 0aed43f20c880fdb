"""Unit tests of the HTTP-free document rules in service.xapi.documents."""

from __future__ import annotations

import hashlib

import orjson
import pytest

from service.model.documents import (
    DocumentKind,
    DocumentWrite,
    Preconditions,
    PutPolicy,
    StoredDocument,
    WriteMode,
)
from service.model.errors import BadRequestError, ConflictError, PreconditionFailedError
from service.xapi.documents import (
    check_preconditions,
    etag_of,
    ids_body,
    is_json,
    new_write,
    parse_etags,
    preconditions_from_headers,
    put_policy,
    quoted,
    resolve_write,
)

V1 = "1.0.3"
V2 = "2.0.0"
LENIENT = PutPolicy(conflict_if_exists=False, reject_if_missing=False)


def stored(content: bytes, content_type: str = "application/json") -> StoredDocument:
    return StoredDocument(content, content_type, etag_of(content), 1_000)


def write(
    content: bytes,
    content_type: str | None = "application/json",
    *,
    mode: WriteMode = WriteMode.POST,
    preconditions: Preconditions | None = None,
    policy: PutPolicy = LENIENT,
) -> DocumentWrite:
    return new_write(
        content,
        content_type,
        mode=mode,
        preconditions=preconditions or Preconditions(),
        policy=policy,
    )


def test_etag_is_quoted_sha1_hex_of_the_bytes() -> None:
    """T-15: a strong tag, exactly 40 lowercase hex characters between quotes."""
    content = b'{"a":1}'
    assert etag_of(content) == hashlib.sha1(content).hexdigest()
    assert quoted(etag_of(content)) == f'"{hashlib.sha1(content).hexdigest()}"'
    assert len(quoted(etag_of(b""))) == 42


def test_ids_body_is_a_json_array() -> None:
    assert orjson.loads(ids_body(["a", "b"])) == ["a", "b"]


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, None),
        ("", None),
        ("  ", None),
        ("*", ("*",)),
        ('"abc"', ("abc",)),
        ("abc", ("abc",)),
        ('W/"abc"', ("abc",)),
        ('"a", W/"b" ,c', ("a", "b", "c")),
    ],
)
def test_parse_etags_t16(header: str | None, expected: tuple[str, ...] | None) -> None:
    """T-16: `*`, one quoted tag, lists and weak prefixes are all understood."""
    assert parse_etags(header) == expected


def test_preconditions_from_headers() -> None:
    pre = preconditions_from_headers('"x"', None)
    assert pre.if_match == ("x",)
    assert pre.if_none_match is None
    assert pre.given
    assert not preconditions_from_headers(None, None).given


def test_if_match_d10() -> None:
    """D-10: If-Match proceeds only when the current ETag is listed or `*` is given."""
    check_preconditions("t1", Preconditions(if_match=("t0", "t1")))
    check_preconditions("t1", Preconditions(if_match=("*",)))
    with pytest.raises(PreconditionFailedError):
        check_preconditions("t1", Preconditions(if_match=("1234",)))


def test_if_match_on_missing_document_d14() -> None:
    """D-14: If-Match on a missing document fails, even with `*`."""
    for tags in (("*",), ("t1",)):
        with pytest.raises(PreconditionFailedError):
            check_preconditions(None, Preconditions(if_match=tags))


def test_if_none_match_d11() -> None:
    """D-11: If-None-Match `*` only when missing; a listed tag fails when current."""
    check_preconditions(None, Preconditions(if_none_match=("*",)))
    check_preconditions("t1", Preconditions(if_none_match=("t0",)))
    with pytest.raises(PreconditionFailedError):
        check_preconditions("t1", Preconditions(if_none_match=("*",)))
    with pytest.raises(PreconditionFailedError):
        check_preconditions("t1", Preconditions(if_none_match=("t1",)))


def test_put_policy_per_version_d12() -> None:
    """D-12 / X-10 / X-11: the PUT-without-preconditions table, per resource and version."""
    assert put_policy(DocumentKind.STATE, V1) == PutPolicy(False, False)
    assert put_policy(DocumentKind.STATE, V2) == PutPolicy(True, False)
    for kind in (DocumentKind.ACTIVITY_PROFILE, DocumentKind.AGENT_PROFILE):
        assert put_policy(kind, V1) == PutPolicy(True, True)
        assert put_policy(kind, V2) == PutPolicy(True, False)


def test_unconditional_put_conflicts_on_existing_d12() -> None:
    """D-12: 409 with a message when the policy says so; otherwise overwrite."""
    current = stored(b'{"a":1}')
    policy = put_policy(DocumentKind.ACTIVITY_PROFILE, V2)
    with pytest.raises(ConflictError) as error:
        resolve_write(current, write(b"x", mode=WriteMode.PUT, policy=policy))
    assert "If-Match" in error.value.message
    state_v1 = put_policy(DocumentKind.STATE, V1)
    assert resolve_write(
        current, write(b"x", "text/plain", mode=WriteMode.PUT, policy=state_v1)
    ) == (
        b"x",
        "text/plain",
    )


def test_unconditional_put_on_missing_profile_d12() -> None:
    """D-12: a 1.0.x profile PUT without headers on a missing document is rejected; 2.0 creates."""
    with pytest.raises(BadRequestError):
        resolve_write(
            None,
            write(b"{}", mode=WriteMode.PUT, policy=put_policy(DocumentKind.AGENT_PROFILE, V1)),
        )
    created = write(b"{}", mode=WriteMode.PUT, policy=put_policy(DocumentKind.AGENT_PROFILE, V2))
    assert resolve_write(None, created) == (b"{}", "application/json")


def test_put_with_preconditions_skips_the_policy_d12() -> None:
    """D-12 applies only without headers: If-None-Match `*` creates a 1.0.x profile."""
    pre = Preconditions(if_none_match=("*",))
    policy = put_policy(DocumentKind.ACTIVITY_PROFILE, V1)
    assert resolve_write(None, write(b"{}", mode=WriteMode.PUT, preconditions=pre, policy=policy))


def test_post_merges_shallowly_d4() -> None:
    """D-4: top-level keys replace, nested objects are replaced whole, others are kept."""
    current = stored(b'{"car":"Honda","nested":{"a":1,"b":2}}')
    content, content_type = resolve_write(current, write(b'{"type":"Civic","nested":{"c":3}}'))
    assert orjson.loads(content) == {"car": "Honda", "nested": {"c": 3}, "type": "Civic"}
    assert is_json(content_type)


@pytest.mark.parametrize(
    ("current", "body", "content_type"),
    [
        (stored(b"/ asdf / undefined", "application/octet-stream"), b'{"a":1}', "application/json"),
        (stored(b'{"a":1}'), b"abcdefg", "not/json"),
        (stored(b'{"a":1}'), b"abc", "application/x-www-form-urlencoded"),
        (stored(b'{"a":1}'), b"[1,2]", "application/json"),
        (stored(b"[1,2]"), b'{"a":1}', "application/json"),
    ],
)
def test_post_merge_rejections_d5(current: StoredDocument, body: bytes, content_type: str) -> None:
    """D-5: either side not an application/json object → 400."""
    with pytest.raises(BadRequestError):
        resolve_write(current, write(body, content_type))


def test_post_invalid_json_rejected_before_the_store_d6() -> None:
    """D-6 / D-5: a body declared JSON that does not parse (`{...}{`) is a 400."""
    with pytest.raises(BadRequestError):
        write(b'{"a":1}{', "application/json; charset=utf-8")


def test_post_to_missing_document_stores_the_body_d6() -> None:
    """D-6: POST to a missing document behaves like PUT, bytes kept exactly."""
    body = b'{ "spaced" : true }'
    assert resolve_write(None, write(body)) == (body, "application/json")
    assert resolve_write(None, write(b"\x00\x01", "image/png")) == (b"\x00\x01", "image/png")


def test_missing_content_type_is_octet_stream() -> None:
    assert write(b"x", None).content_type == "application/octet-stream"


def test_preconditions_are_checked_before_merge_errors_d14() -> None:
    """D-14 / D-13: a wrong If-Match is a 412 even when the merge would also fail."""
    current = stored(b'{"a":1}')
    pre = Preconditions(if_match=("1234",))
    with pytest.raises(PreconditionFailedError):
        resolve_write(current, write(b"abc", "not/json", preconditions=pre))
    with pytest.raises(PreconditionFailedError):
        resolve_write(current, write(b"{}", mode=WriteMode.PUT, preconditions=pre))


def test_is_json_ignores_case_and_parameters() -> None:
    assert is_json("Application/JSON; charset=utf-8")
    assert not is_json("application/jsonx")
    assert not is_json("text/json")

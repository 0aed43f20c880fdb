"""Unit tests for signed statement verification (AT-10..AT-19)."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from typing import Any

import orjson
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import NameOID

from service.model.errors import BadRequestError
from service.model.statements import StoredAttachment
from service.xapi.signatures import SIGNATURE_USAGE, verify_signatures

HASHES: dict[str, hashes.HashAlgorithm] = {
    "RS256": hashes.SHA256(),
    "RS384": hashes.SHA384(),
    "RS512": hashes.SHA512(),
}
STATEMENT: dict[str, Any] = {
    "actor": {"objectType": "Agent", "mbox": "mailto:signer@example.com"},
    "verb": {"id": "http://adlnet.gov/expapi/verbs/attended", "display": {"en-US": "attended"}},
    "object": {"id": "http://example.com/activity"},
    "result": {"duration": "P1DT12H36M0.1237S"},
}


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _certificate(key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey) -> str:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "signer")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    return base64.b64encode(certificate.public_bytes(serialization.Encoding.DER)).decode()


@pytest.fixture(scope="module")
def key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def certificate(key: rsa.RSAPrivateKey) -> str:
    return _certificate(key)


@pytest.fixture(scope="module")
def other_certificate() -> str:
    return _certificate(rsa.generate_private_key(public_exponent=65537, key_size=2048))


def _jws(key: rsa.RSAPrivateKey, header: dict[str, Any], payload: Any) -> bytes:
    signing_input = f"{_b64url(orjson.dumps(header))}.{_b64url(orjson.dumps(payload))}"
    algorithm = HASHES.get(str(header.get("alg")), hashes.SHA256())
    signature = key.sign(signing_input.encode(), padding.PKCS1v15(), algorithm)
    return f"{signing_input}.{_b64url(signature)}".encode()


def _check(
    token: bytes,
    content_type: str = "application/octet-stream",
    changes: dict[str, Any] | None = None,
) -> None:
    """Verify STATEMENT (plus `changes`) carrying `token` as its signature attachment."""
    sha2 = hashlib.sha256(token).hexdigest()
    signature = {
        "usageType": SIGNATURE_USAGE,
        "display": {"en-US": "signature"},
        "contentType": content_type,
        "length": len(token),
        "sha2": sha2,
    }
    statement = {**STATEMENT, **(changes or {}), "attachments": [signature]}
    verify_signatures([statement], {sha2: StoredAttachment(sha2, content_type, token)})


@pytest.mark.parametrize("alg", ["RS256", "RS384", "RS512"])
def test_at17_valid_x5c_signature_accepted(
    key: rsa.RSAPrivateKey, certificate: str, alg: str
) -> None:
    """AT-17: a signature verifying with the first x5c certificate is accepted."""
    _check(_jws(key, {"alg": alg, "x5c": [certificate]}, STATEMENT))


def test_at17_wrong_key_rejected(key: rsa.RSAPrivateKey, other_certificate: str) -> None:
    """AT-17: a signature that does not verify with the x5c certificate is a 400."""
    with pytest.raises(BadRequestError, match="does not verify"):
        _check(_jws(key, {"alg": "RS512", "x5c": [other_certificate]}, STATEMENT))


def test_at17_tampered_signature_rejected(key: rsa.RSAPrivateKey, certificate: str) -> None:
    """AT-17: altered signature bytes fail verification with x5c."""
    head, payload, _ = _jws(key, {"alg": "RS256", "x5c": [certificate]}, STATEMENT).split(b".")
    forged = _b64url(b"\x01" * 256).encode()
    with pytest.raises(BadRequestError, match="does not verify"):
        _check(b".".join([head, payload, forged]))


def test_at17_without_x5c_not_verified(key: rsa.RSAPrivateKey) -> None:
    """AT-17: without x5c the signature cannot be checked and is not rejected for that."""
    head, payload, _ = _jws(key, {"alg": "RS384"}, STATEMENT).split(b".")
    _check(b".".join([head, payload, b"c2lnbmF0dXJl"]))


@pytest.mark.parametrize("x5c", ["not-a-list", [], [1], ["!!notbase64"], ["aGVsbG8="]])
def test_at17_bad_x5c_rejected(key: rsa.RSAPrivateKey, x5c: Any) -> None:
    """AT-17: an x5c that is not a usable certificate chain is a 400."""
    with pytest.raises(BadRequestError, match="x5c"):
        _check(_jws(key, {"alg": "RS256", "x5c": x5c}, STATEMENT))


def test_at17_non_rsa_certificate_rejected(key: rsa.RSAPrivateKey) -> None:
    """AT-17: an x5c certificate without an RSA key cannot verify an RS* signature."""
    certificate = _certificate(ec.generate_private_key(ec.SECP256R1()))
    with pytest.raises(BadRequestError, match="RSA"):
        _check(_jws(key, {"alg": "RS256", "x5c": [certificate]}, STATEMENT))


@pytest.mark.parametrize("header", [{"alg": "HS256"}, {"alg": "none"}, {}, {"alg": ["RS256"]}])
def test_at14_algorithm_must_be_rs(key: rsa.RSAPrivateKey, header: dict[str, Any]) -> None:
    """AT-14: alg other than RS256/RS384/RS512 (HS256, none, missing) is a 400."""
    with pytest.raises(BadRequestError, match="alg"):
        _check(_jws(key, header, STATEMENT))


def test_at15_corrupted_payload_rejected(key: rsa.RSAPrivateKey) -> None:
    """AT-15: a payload that is not valid JSON (first quote corrupted) is a 400."""
    head, _, signature = _jws(key, {"alg": "RS256"}, STATEMENT).split(b".")
    corrupted = _b64url(orjson.dumps(STATEMENT).replace(b'"', b"X", 1)).encode()
    with pytest.raises(BadRequestError, match="payload is not valid JSON"):
        _check(b".".join([head, corrupted, signature]))


def test_at15_payload_must_be_object(key: rsa.RSAPrivateKey) -> None:
    """AT-15: a payload that is JSON but not an object is a 400."""
    with pytest.raises(BadRequestError, match="payload is not a JSON object"):
        _check(_jws(key, {"alg": "RS256"}, [STATEMENT]))


@pytest.mark.parametrize(
    "token",
    [b"only.two", b"a.b.c.d", b'{"payload":"x","signatures":[]}', b"\xff.\xfe.\xfd", b"e30..sig"],
)
def test_at13_not_compact_jws_rejected(token: bytes) -> None:
    """AT-13: data that is not a compact JWS is a 400."""
    with pytest.raises(BadRequestError, match="JWS"):
        _check(token)


@pytest.mark.parametrize("segment", ["e30*", "e", "e30=="])
def test_at13_bad_base64url_rejected(key: rsa.RSAPrivateKey, segment: str) -> None:
    """AT-13: JWS segments must be unpadded base64url."""
    _, payload, signature = _jws(key, {"alg": "RS256"}, STATEMENT).split(b".")
    with pytest.raises(BadRequestError, match="base64url"):
        _check(b".".join([segment.encode(), payload, signature]))


def test_at14_header_must_be_json_object(key: rsa.RSAPrivateKey) -> None:
    """AT-14: a header that is not a JSON object has no usable alg and is a 400."""
    _, payload, signature = _jws(key, {"alg": "RS256"}, STATEMENT).split(b".")
    with pytest.raises(BadRequestError, match="header"):
        _check(b".".join([_b64url(b'["RS256"]').encode(), payload, signature]))


def test_at16_payload_not_equivalent_rejected(key: rsa.RSAPrivateKey, certificate: str) -> None:
    """AT-16: a payload differing from the statement is a 400, even with a valid x5c."""
    payload = {**STATEMENT, "verb": {"id": "http://example.com/other"}}
    with pytest.raises(BadRequestError, match="does not match"):
        _check(_jws(key, {"alg": "RS256", "x5c": [certificate]}, payload))


def test_at16_duration_precision_and_lrs_fields_ignored(key: rsa.RSAPrivateKey) -> None:
    """AT-16: duration compared at 0.01 s; id/stored/authority/version/attachments ignored."""
    payload = {**STATEMENT, "result": {"duration": "P1DT12H36M0.12S"}}
    lrs_fields = {
        "id": "3b9c2d4e-1f2a-4b3c-8d4e-5f6a7b8c9d0e",
        "stored": "2024-01-01T00:00:00.000Z",
        "version": "2.0.0",
        "authority": {"mbox": "mailto:lrs@example.com"},
    }
    _check(_jws(key, {"alg": "RS256"}, payload), changes=lrs_fields)
    payload["result"] = {"duration": "P1DT12H36M0.13S"}
    with pytest.raises(BadRequestError, match="does not match"):
        _check(_jws(key, {"alg": "RS256"}, payload))


def test_at11_content_type_must_be_octet_stream(key: rsa.RSAPrivateKey) -> None:
    """AT-11: a signature attachment whose contentType is not application/octet-stream is a 400."""
    with pytest.raises(BadRequestError, match="octet-stream"):
        _check(_jws(key, {"alg": "RS256"}, STATEMENT), content_type="application/jose")


def test_at12_signature_data_must_be_present() -> None:
    """AT-12: a signature attachment without received data is a 400."""
    signature = {
        "usageType": SIGNATURE_USAGE,
        "contentType": "application/octet-stream",
        "sha2": "ab",
    }
    with pytest.raises(BadRequestError, match="missing"):
        verify_signatures([{**STATEMENT, "attachments": [signature]}], {})


def test_at10_other_usage_types_ignored() -> None:
    """AT-10: only attachments with the signature usageType are checked as JWS."""
    other = {"usageType": "http://example.com/u", "contentType": "text/plain", "sha2": "ab"}
    verify_signatures([{**STATEMENT, "attachments": [other]}, STATEMENT], {})


def test_at18_rejections_say_why(key: rsa.RSAPrivateKey) -> None:
    """AT-18: the 400 message names the reason."""
    with pytest.raises(BadRequestError) as info:
        _check(_jws(key, {"alg": "HS256"}, STATEMENT))
    assert "RS256" in info.value.message


def test_at19_padding_restored_for_every_length(key: rsa.RSAPrivateKey, certificate: str) -> None:
    """AT-19: base64url segments of every residue length decode with padding restored."""
    for pad in ("", "x", "xx", "xxx"):
        changes = {"context": {"platform": pad}}
        _check(
            _jws(key, {"alg": "RS256", "x5c": [certificate]}, {**STATEMENT, **changes}),
            changes=changes,
        )

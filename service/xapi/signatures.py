"""Signed statements: JWS shape, algorithm, payload equivalence, x5c signature (AT-10..AT-19)."""

from __future__ import annotations

import base64
import binascii
import re
from typing import Any

import orjson
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from service.model.errors import BadRequestError
from service.model.statements import StoredAttachment
from service.xapi.equivalence import statements_equivalent
from service.xapi.multipart import media_type

SIGNATURE_USAGE = "http://adlnet.gov/expapi/attachments/signature"
_ALGORITHMS: dict[str, type[hashes.HashAlgorithm]] = {
    "RS256": hashes.SHA256,
    "RS384": hashes.SHA384,
    "RS512": hashes.SHA512,
}
_B64URL = re.compile(r"[A-Za-z0-9_-]*")


def verify_signatures(
    statements: list[dict[str, Any]], attachments: dict[str, StoredAttachment]
) -> None:
    """Reject any statement whose signature attachment is invalid (AT-10..AT-18)."""
    for statement in statements:
        items = statement.get("attachments")
        for attachment in items if isinstance(items, list) else []:
            if isinstance(attachment, dict) and attachment.get("usageType") == SIGNATURE_USAGE:
                _verify_one(statement, attachment, attachments)


def _verify_one(
    statement: dict[str, Any], attachment: dict[str, Any], attachments: dict[str, StoredAttachment]
) -> None:
    """Check one signature attachment against its statement (AT-11..AT-17)."""
    content_type = attachment.get("contentType")
    if not isinstance(content_type, str) or media_type(content_type) != "application/octet-stream":
        raise BadRequestError("signature attachment contentType must be application/octet-stream")
    sha2 = attachment.get("sha2")
    data = attachments.get(sha2.lower()) if isinstance(sha2, str) else None
    if data is None:
        raise BadRequestError("signature attachment data is missing from the request")
    try:
        token = data.data.decode("ascii").strip()
    except UnicodeDecodeError as exc:
        raise BadRequestError("signature is not a JWS compact serialization") from exc
    segments = token.split(".")
    if len(segments) != 3 or not segments[0] or not segments[1]:
        raise BadRequestError("signature is not a JWS compact serialization")
    header = _json_object(_b64url(segments[0]), "JWS header")
    alg = header.get("alg")
    algorithm = _ALGORITHMS.get(alg) if isinstance(alg, str) else None
    if algorithm is None:
        raise BadRequestError("JWS alg must be RS256, RS384 or RS512")
    payload = _json_object(_b64url(segments[1]), "JWS payload")
    if not statements_equivalent(payload, statement):
        raise BadRequestError("signed payload does not match the statement")
    if "x5c" in header:
        signing_input = f"{segments[0]}.{segments[1]}".encode("ascii")
        key = _certificate_key(header["x5c"])
        try:
            key.verify(_b64url(segments[2]), signing_input, padding.PKCS1v15(), algorithm())
        except InvalidSignature as exc:
            raise BadRequestError("JWS signature does not verify with the x5c certificate") from exc


def _b64url(segment: str) -> bytes:
    """Decode one unpadded base64url JWS segment (AT-13, AT-19)."""
    if not _B64URL.fullmatch(segment) or len(segment) % 4 == 1:
        raise BadRequestError("JWS segment is not valid base64url")
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def _json_object(raw: bytes, what: str) -> dict[str, Any]:
    """Parse JSON that must be an object (AT-14, AT-15)."""
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise BadRequestError(f"{what} is not valid JSON") from exc
    if not isinstance(value, dict):
        raise BadRequestError(f"{what} is not a JSON object")
    return value


def _certificate_key(chain: Any) -> rsa.RSAPublicKey:
    """Return the RSA public key of the first x5c certificate (AT-17)."""
    if not isinstance(chain, list) or not chain or not isinstance(chain[0], str):
        raise BadRequestError("JWS x5c must be a non-empty array of base64 certificates")
    try:
        certificate = x509.load_der_x509_certificate(base64.b64decode(chain[0], validate=True))
    except (binascii.Error, ValueError) as exc:
        raise BadRequestError("JWS x5c first certificate cannot be parsed") from exc
    key = certificate.public_key()
    if not isinstance(key, rsa.RSAPublicKey):
        raise BadRequestError("JWS x5c certificate does not hold an RSA key")
    return key

"""Building multipart/mixed statement requests and JWS signatures for tests."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

import orjson
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

BOUNDARY = "xapi-test-boundary"
SIGNATURE = "http://adlnet.gov/expapi/attachments/signature"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def attachment_meta(data: bytes, content_type: str = "text/plain", **extra: Any) -> dict[str, Any]:
    return {
        "usageType": "http://example.org/usage/file",
        "display": {"en-US": "a file"},
        "contentType": content_type,
        "length": len(data),
        "sha2": sha256(data),
        **extra,
    }


def multipart_body(
    statements: Any, parts: list[tuple[bytes, str]], *, encoding: str | None = "binary"
) -> tuple[bytes, str]:
    """A multipart/mixed statement request: JSON first, then each (data, content type)."""
    chunks = [b"\r\n--" + BOUNDARY.encode(), b"\r\nContent-Type: application/json\r\n\r\n"]
    chunks.append(orjson.dumps(statements))
    for data, content_type in parts:
        chunks.append(b"\r\n--" + BOUNDARY.encode() + b"\r\n")
        chunks.append(f"Content-Type: {content_type}\r\n".encode())
        if encoding is not None:
            chunks.append(f"Content-Transfer-Encoding: {encoding}\r\n".encode())
        chunks.append(f"X-Experience-API-Hash: {sha256(data)}\r\n\r\n".encode())
        chunks.append(data)
    chunks.append(b"\r\n--" + BOUNDARY.encode() + b"--\r\n")
    return b"".join(chunks), f'multipart/mixed; boundary="{BOUNDARY}"'


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def sign(statement: dict[str, Any], key: rsa.RSAPrivateKey, alg: str = "RS256") -> bytes:
    """A compact JWS of the statement, without x5c (AT-17: unverifiable but acceptable)."""
    header = _b64(orjson.dumps({"alg": alg}))
    payload = _b64(orjson.dumps(statement))
    digest = {"RS256": hashes.SHA256(), "RS384": hashes.SHA384(), "RS512": hashes.SHA512()}
    signature = key.sign(
        f"{header}.{payload}".encode(), padding.PKCS1v15(), digest.get(alg, hashes.SHA256())
    )
    return f"{header}.{payload}.{_b64(signature)}".encode()

"""Credentials, scopes and authority (AU-1..AU-4, SR-13)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from typing import Any

from service.errors import ForbiddenError, UnauthorizedError
from service.store.port import Store
from service.store.records import CredentialRecord
from service.xapi.timestamps import now_ms

DEFAULT_TENANT = "default"
XAPI_SCOPES = (
    "statements/write",
    "statements/read",
    "statements/read/mine",
    "state",
    "define",
    "profile",
    "all/read",
    "all",
)
_SCRYPT_N, _SCRYPT_R, _SCRYPT_P = 2**14, 8, 1
_CACHE_SECONDS = 60.0


@dataclass(frozen=True, slots=True)
class Principal:
    """The authenticated client of one request."""

    key: str
    tenant: str
    name: str
    scopes: frozenset[str]
    authority: dict[str, Any]

    def require(self, *accepted: str) -> None:
        """403 unless the principal holds one of the accepted scopes (AU-3)."""
        if "all" in self.scopes or self.scopes.intersection(accepted):
            return
        raise ForbiddenError(f"this credential lacks the scope {accepted[0]!r}")


@dataclass(frozen=True, slots=True)
class IssuedCredential:
    """A credential as handed to a person once: the only time the secret is seen in clear."""

    key: str
    secret: str
    record: CredentialRecord


def hash_secret(secret: str) -> str:
    """scrypt with a random salt, in a self-describing string."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(
        secret.encode(), salt=salt, n=_SCRYPT_N, r=_SCRYPT_R, p=_SCRYPT_P, dklen=32
    )
    encoded_salt = base64.b64encode(salt).decode()
    encoded_digest = base64.b64encode(digest).decode()
    return f"scrypt${_SCRYPT_N}${_SCRYPT_R}${_SCRYPT_P}${encoded_salt}${encoded_digest}"


def verify_secret(secret: str, hashed: str) -> bool:
    """Constant-time check of a secret against `hash_secret` output."""
    try:
        scheme, n, r, p, salt, expected = hashed.split("$")
        if scheme != "scrypt":
            return False
        digest = hashlib.scrypt(
            secret.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p), dklen=32
        )
        return hmac.compare_digest(digest, base64.b64decode(expected))
    except (ValueError, binascii.Error):
        return False


def new_credential(
    *,
    name: str,
    tenant: str = DEFAULT_TENANT,
    scopes: tuple[str, ...] = ("all",),
    key: str | None = None,
    secret: str | None = None,
) -> IssuedCredential:
    """Make a credential record; a key and secret are generated unless given."""
    key = key or secrets.token_hex(10)
    secret = secret or secrets.token_urlsafe(24)
    record = CredentialRecord(
        key=key,
        tenant=tenant,
        name=name,
        secret_hash=hash_secret(secret),
        scopes=scopes,
        enabled=True,
        created_ms=now_ms(),
    )
    return IssuedCredential(key=key, secret=secret, record=record)


def authority_for(record: CredentialRecord, home_page: str) -> dict[str, Any]:
    """The statement authority of a Basic-auth credential (SR-13)."""
    return {
        "objectType": "Agent",
        "name": record.name,
        "account": {"homePage": home_page, "name": record.key},
    }


class Authenticator:
    """HTTP Basic authentication with a short-lived cache so scrypt runs once per credential."""

    def __init__(self, store: Store, home_page: str) -> None:
        self._store = store
        self._home_page = home_page
        self._cache: dict[str, tuple[bytes, float, Principal]] = {}

    async def authenticate(self, authorization: str | None) -> Principal:
        key, secret = _parse_basic(authorization)
        fingerprint = hashlib.sha256(f"{key}:{secret}".encode()).digest()
        cached = self._cache.get(key)
        if cached is not None:
            cached_fingerprint, expires, principal = cached
            if time.monotonic() < expires and hmac.compare_digest(cached_fingerprint, fingerprint):
                return principal
        record = await self._store.get_credential(key)
        if record is None or not record.enabled or not verify_secret(secret, record.secret_hash):
            raise UnauthorizedError("invalid credentials")
        principal = Principal(
            key=record.key,
            tenant=record.tenant,
            name=record.name,
            scopes=frozenset(record.scopes),
            authority=authority_for(record, self._home_page),
        )
        self._cache[key] = (fingerprint, time.monotonic() + _CACHE_SECONDS, principal)
        return principal


def _parse_basic(authorization: str | None) -> tuple[str, str]:
    """Key and secret from a Basic Authorization header; 401 when absent or malformed (AU-2)."""
    if not authorization:
        raise UnauthorizedError("credentials required (HTTP Basic)")
    scheme, _, encoded = authorization.strip().partition(" ")
    if scheme.lower() != "basic" or not encoded:
        raise UnauthorizedError("only HTTP Basic credentials are accepted")
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise UnauthorizedError("malformed Basic credentials") from None
    key, sep, secret = decoded.partition(":")
    if not sep or not key:
        raise UnauthorizedError("malformed Basic credentials")
    return key, secret

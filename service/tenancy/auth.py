"""Credentials, scopes and authority (AU-1..AU-4, SR-13)."""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from functools import partial
from typing import Any, NoReturn

from service.model.clock import now_ms
from service.model.errors import ForbiddenError, UnauthorizedError
from service.model.tenancy import CredentialRecord, EffectiveLimits, TenantRecord
from service.store.ports import AccountStore
from service.tenancy.rotation import PreviousSecretLog
from service.tenancy.scopes import XAPI_SCOPES, covers
from service.tenancy.signin import (
    Attempt,
    SignInObserver,
    SignInThrottle,
    VerificationPool,
    throttled_error,
)
from service.tenancy.usage import UsageRecorder
from service.xapi.agents import agent_key

__all__ = ["XAPI_SCOPES", "Authenticator", "Principal", "claimed_key", "new_credential"]
DEFAULT_TENANT = "default"
_SCRYPT_N, _SCRYPT_R, _SCRYPT_P = 2**14, 8, 1
_FAILURE_SECONDS = 5.0  # a wrong secret is refused without scrypt for this long
_FAILURE_MEMORY = 10_000


def _unmatchable_hash() -> str:
    """A hash in the stored format that no secret matches (a random digest, not a real one).

    An unknown key is checked against it, so it costs the same scrypt as a wrong secret and
    the answer's timing does not tell whether a key exists.
    """
    salt, digest = (base64.b64encode(secrets.token_bytes(size)).decode() for size in (16, 32))
    return f"scrypt${_SCRYPT_N}${_SCRYPT_R}${_SCRYPT_P}${salt}${digest}"


_UNKNOWN_KEY_HASH = _unmatchable_hash()


@dataclass(frozen=True, slots=True)
class Principal:
    """The authenticated client of one request."""

    key: str
    tenant: str
    name: str
    scopes: frozenset[str]
    authority: dict[str, Any]
    limits: EffectiveLimits
    subject: str | None = None  # a person signed in through single sign-on: the OP's subject

    @property
    def actor_name(self) -> str:
        """Who this principal is in the audit log: a credential, or an SSO subject."""
        if self.subject is not None:
            return f"sso:{self.subject} ({self.name})"
        return f"credential:{self.key} ({self.name})"

    def can(self, *accepted: str) -> bool:
        """True when one of the accepted scopes is held (`all` = every xAPI scope)."""
        return covers(self.scopes, accepted)

    def require(self, *accepted: str) -> None:
        """403 unless the principal holds one of the accepted scopes (AU-3)."""
        if not covers(self.scopes, accepted):
            raise ForbiddenError(f"this credential lacks the scope {accepted[0]!r}")

    @property
    def authority_key(self) -> str | None:
        """The agent key statements written by this principal carry as authority."""
        return agent_key(self.authority)


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


def _timed_check(secret: str, hashed: str) -> tuple[bool, float]:
    """`verify_secret` and its own duration (without the time spent waiting for a thread)."""
    began = time.perf_counter()
    valid = verify_secret(secret, hashed)
    return valid, time.perf_counter() - began


def new_secret() -> str:
    """A fresh random secret (192 bits, URL-safe)."""
    return secrets.token_urlsafe(24)


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
    secret = secret or new_secret()
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


@dataclass(frozen=True, slots=True)
class _Cached:
    """A verified (key, secret): `secret_hash` is the hash it matched, `previous` when that is
    the rotated-out secret of an overlap."""

    key: str
    secret_hash: str
    previous: bool
    fresh_until: float
    principal: Principal

    def matches(self, record: CredentialRecord) -> bool:
        """The record still accepts this secret (the hash unchanged, an overlap not over)."""
        if not self.previous:
            return _same(record.secret_hash, self.secret_hash)
        previous = record.previous_valid_at(now_ms())
        return previous is not None and _same(previous.secret_hash, self.secret_hash)


class Authenticator:
    """HTTP Basic authentication; scrypt runs once per credential and secret, not per request.

    Inside a rotation's overlap a credential has two secrets: the new one and the rotated-out
    one, until its end; each verified pair is cached on its own, and every use of the old one
    is reported (metric and a log line per credential at most every minute).

    A verified credential is trusted from memory for `cache_seconds`; after that its record is
    read again (no scrypt while the secret hash is unchanged), so a disable, rotation, scope or
    limit change made elsewhere (CLI, another worker) takes effect within `cache_seconds`.
    Changes made through this process call `forget` and take effect at once.

    A credential not yet verified costs one scrypt on the `pool`, whether its key exists or
    not, unless the `throttle` refuses the attempt first (429): a credential verified before is
    answered from memory and never throttled, so guessing from a client's address or against
    its key does not lock out a client that is already signed in.
    """

    def __init__(
        self,
        store: AccountStore,
        home_page: str,
        *,
        defaults: EffectiveLimits | None = None,
        cache_seconds: float = 5.0,
        usage: UsageRecorder | None = None,
        throttle: SignInThrottle | None = None,
        pool: VerificationPool | None = None,
    ) -> None:
        self._store = store
        self._home_page = home_page
        self._defaults = defaults or EffectiveLimits(0, 1, 10_000, 20 * 1024 * 1024)
        self._cache_seconds = cache_seconds
        self._usage = usage
        self._cache: dict[bytes, _Cached] = {}  # by fingerprint of (key, secret)
        self._failures: dict[bytes, float] = {}
        self._verifying: dict[bytes, asyncio.Future[Principal]] = {}
        self._throttle = throttle or SignInThrottle(per_key=0, per_address=0, window_seconds=1)
        self._pool = pool or VerificationPool(threads=1, queue=64)
        self.observer: SignInObserver | None = None
        self._previous_uses = PreviousSecretLog()

    async def authenticate(self, authorization: str | None, client: str | None = None) -> Principal:
        """The principal of a Basic Authorization header sent from the `client` address."""
        key, secret = _parse_basic(authorization)
        fingerprint = hashlib.sha256(f"{key}:{secret}".encode()).digest()
        cached = self._cache.get(fingerprint)
        if cached is not None and cached.key == key:
            if time.monotonic() < cached.fresh_until:
                self._seen(cached.principal, previous=cached.previous)
                return cached.principal
            record, tenant = await self._load(key)
            if record is not None and cached.matches(record):
                return self._admit(record, tenant, fingerprint, cached.secret_hash, cached.previous)
        if self._failures.get(fingerprint, 0.0) > time.monotonic():
            raise UnauthorizedError("invalid credentials")
        pending = self._verifying.get(fingerprint)
        if pending is None:
            attempt, limit, wait = self._throttle.begin(key, client)
            if limit is not None:
                if self.observer is not None:
                    self.observer.sign_in_throttled(limit)
                raise throttled_error(wait)
            pending = asyncio.ensure_future(self._verify(key, secret, fingerprint, attempt))
            self._verifying[fingerprint] = pending
            pending.add_done_callback(lambda _: self._verifying.pop(fingerprint, None))
        return await asyncio.shield(pending)

    def forget(self, key: str | None = None, *, tenant: str | None = None) -> None:
        """Drop cached verifications: of one credential, of a tenant's, or (no argument) all."""
        if key is None and tenant is None:
            self._cache.clear()
        for fingerprint, cached in list(self._cache.items()):
            if cached.key == key or cached.principal.tenant == tenant:
                del self._cache[fingerprint]

    async def close(self) -> None:
        """Stop the verification threads."""
        await self._pool.close()

    async def _verify(
        self, key: str, secret: str, fingerprint: bytes, attempt: Attempt
    ) -> Principal:
        """The slow path: read the record and run scrypt on the pool, the same for every key."""
        failed = False
        try:
            record = await self._store.get_credential(key)
            hashed = _UNKNOWN_KEY_HASH if record is None else record.secret_hash
            valid = await self._check(secret, hashed)
            previous = None if record is None else record.previous_valid_at(now_ms())
            if not valid and previous is not None:  # inside a rotation's overlap
                hashed = previous.secret_hash
                valid = await self._check(secret, hashed)
            if record is None or not valid:
                failed = True
                self._refused(fingerprint, "unknown_key" if record is None else "wrong_secret")
            tenant = await self._store.get_tenant(record.tenant)
        finally:
            if not failed:
                self._throttle.refund(attempt)
        return self._admit(
            record, tenant, fingerprint, hashed, previous=hashed != record.secret_hash
        )

    async def _check(self, secret: str, hashed: str) -> bool:
        """One scrypt on the pool, timed for the observer."""
        valid, seconds = await self._pool.run(partial(_timed_check, secret, hashed))
        if self.observer is not None:
            self.observer.sign_in_verified(seconds)
        return valid

    def _refused(self, fingerprint: bytes, reason: str) -> NoReturn:
        """401 for a failed verification; the same answer for an unknown key as a wrong secret."""
        if self.observer is not None:
            self.observer.sign_in_refused(reason)
        if len(self._failures) >= _FAILURE_MEMORY:
            self._failures.clear()
        self._failures[fingerprint] = time.monotonic() + _FAILURE_SECONDS
        raise UnauthorizedError("invalid credentials")

    async def _load(self, key: str) -> tuple[CredentialRecord | None, TenantRecord | None]:
        record = await self._store.get_credential(key)
        if record is None:
            return None, None
        return record, await self._store.get_tenant(record.tenant)

    async def resume(self, key: str) -> tuple[Principal, str]:
        """The principal of a credential verified earlier (a console session) and its current
        secret hash, read afresh: 401 once it is gone or disabled, 403 once its tenant is."""
        record, tenant = await self._load(key)
        if record is None:
            raise UnauthorizedError("this credential no longer exists")
        return self._principal(record, tenant), record.secret_hash

    def matched_hash(self, key: str, secret: str) -> str | None:
        """The secret hash a just-verified (key, secret) matched: the rotated-out one when the
        secret is an overlap's old secret; None when it is not verified in memory."""
        cached = self._cache.get(hashlib.sha256(f"{key}:{secret}".encode()).digest())
        return cached.secret_hash if cached is not None and cached.key == key else None

    def _admit(
        self,
        record: CredentialRecord,
        tenant: TenantRecord | None,
        fingerprint: bytes,
        secret_hash: str,
        previous: bool,
    ) -> Principal:
        """The principal of a verified credential, remembered (by the fingerprint of its key and
        secret) for `cache_seconds`, and no longer than a rotation's overlap lasts."""
        principal = self._principal(record, tenant)
        fresh_for = self._cache_seconds
        overlap = record.previous_valid_at(now_ms()) if previous else None
        if overlap is not None:  # trusted from memory no longer than the overlap lasts
            fresh_for = min(fresh_for, (overlap.until_ms - now_ms()) / 1000)
        fresh_until = time.monotonic() + fresh_for
        self._cache[fingerprint] = _Cached(
            record.key, secret_hash, previous, fresh_until, principal
        )
        self._seen(principal, previous=previous)
        return principal

    def _principal(self, record: CredentialRecord, tenant: TenantRecord | None) -> Principal:
        """The principal of a credential, if it and its tenant are enabled."""
        if not record.enabled:
            self.forget(record.key)
            raise UnauthorizedError("this credential is disabled")
        if tenant is None or not tenant.enabled:
            self.forget(record.key)
            state = "is disabled" if tenant is not None else "does not exist"
            raise ForbiddenError(f"the tenant {record.tenant!r} of this credential {state}")
        principal = Principal(
            key=record.key,
            tenant=record.tenant,
            name=record.name,
            scopes=frozenset(record.scopes),
            authority=authority_for(record, self._home_page),
            limits=record.limits.resolve(tenant.limits, self._defaults),
        )
        return principal

    def _seen(self, principal: Principal, *, previous: bool) -> None:
        """Count a use: last-used time, and the rotated-out secret's uses."""
        if self._usage is not None:
            self._usage.seen(principal.key)
        if previous:
            if self.observer is not None:
                self.observer.previous_secret_used(principal.tenant, principal.key)
            self._previous_uses.used(principal.tenant, principal.key)


def _same(a: str, b: str) -> bool:
    """Constant-time equality of two secret-derived strings."""
    return hmac.compare_digest(a.encode(), b.encode())


CLAIMED_KEY_CHARS = 128


def claimed_key(authorization: str | None) -> str | None:
    """The key a Basic header names (for logs: never the secret), cut short; None if none."""
    try:
        key, _ = _parse_basic(authorization)
    except UnauthorizedError:
        return None
    return key[:CLAIMED_KEY_CHARS]


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

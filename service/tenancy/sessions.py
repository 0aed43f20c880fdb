"""Console sessions: a random id in the browser's cookie, only its hash in the store, idle
and absolute expiry, and a CSRF token bound to each session.

Signing in goes through the Authenticator, so a console sign-in is verified and throttled
exactly like an API request (AU-2); a session then follows its credential: disabled, deleted
or rotated, the credential's sessions end at their next request. A person signed in through
single sign-on has a session of the same kind without a credential: it ends when its tenant is
disabled or removed, or when the SSO configuration that granted it changes.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Protocol

from service.model.clock import now_ms
from service.model.console import SessionRecord, SignedInPerson
from service.model.errors import LRSError, UnauthorizedError
from service.store.ports import SessionStore
from service.tenancy.auth import Authenticator, Principal

TOUCH_EVERY_MS = 60_000  # activity is written at most once a minute per session


@dataclass(frozen=True, slots=True)
class SignedIn:
    """A new session: the token goes into the cookie and is never stored."""

    token: str
    record: SessionRecord
    principal: Principal


@dataclass(frozen=True, slots=True)
class ActiveSession:
    """A live session and the principal it acts as."""

    record: SessionRecord
    principal: Principal

    @property
    def csrf_token(self) -> str:
        return self.record.csrf_token

    def csrf_matches(self, given: str | None) -> bool:
        """Constant-time check of a form's CSRF token against the session's."""
        return given is not None and hmac.compare_digest(
            given.encode(), self.record.csrf_token.encode()
        )


class People(Protocol):
    """Resolves people signed in through single sign-on (service.tenancy.sso)."""

    stamp: str  # a digest of the configuration that grants people their tenant and scopes

    async def principal(self, person: SignedInPerson) -> Principal: ...


def token_hash(token: str) -> str:
    """What the store keeps of a session token: a leaked table signs nobody in."""
    return hashlib.sha256(token.encode()).hexdigest()


def secret_stamp(secret_hash: str) -> str:
    """A digest of the credential's stored secret hash; it changes when the secret rotates."""
    return hashlib.sha256(secret_hash.encode()).hexdigest()[:32]


class SessionKeeper:
    """Starts, resumes and ends console sessions."""

    def __init__(
        self,
        store: SessionStore,
        authenticator: Authenticator,
        *,
        idle_seconds: float,
        max_seconds: float,
        people: People | None = None,
    ) -> None:
        self._store = store
        self._authenticator = authenticator
        self._people = people
        self._idle_ms = int(idle_seconds * 1000)
        self._max_ms = int(max_seconds * 1000)

    async def sign_in(self, key: str, secret: str, client: str | None) -> SignedIn:
        """A session for a verified credential; the authenticator's 401/403/429 otherwise."""
        basic = "Basic " + base64.b64encode(f"{key}:{secret}".encode()).decode()
        await self._authenticator.authenticate(basic, client)
        principal, secret_hash = await self._authenticator.resume(key)
        # a session is stamped with the current secret and ends when it is rotated, so the
        # rotated-out secret of an overlap keeps serving the API but opens no console session
        if self._authenticator.matched_hash(key, secret) != secret_hash:
            raise UnauthorizedError("this secret was rotated out; sign in with the new one")
        return await self._start(principal, principal.key, secret_stamp(secret_hash), None)

    async def sign_in_person(self, person: SignedInPerson, principal: Principal) -> SignedIn:
        """A session for a person the OP vouched for and the SSO mapping granted `principal`."""
        if self._people is None:
            raise UnauthorizedError("single sign-on is not configured")
        return await self._start(principal, "", self._people.stamp, person)

    async def _start(
        self, principal: Principal, key: str, stamp: str, person: SignedInPerson | None
    ) -> SignedIn:
        now = now_ms()
        await self._store.remove_sessions_before(now - self._idle_ms, now - self._max_ms)
        token = secrets.token_urlsafe(32)
        record = SessionRecord(
            id_hash=token_hash(token),
            credential_key=key,
            secret_stamp=stamp,
            csrf_token=secrets.token_urlsafe(32),
            created_ms=now,
            seen_ms=now,
            person=person,
        )
        await self._store.add_session(record)
        return SignedIn(token, record, principal)

    async def resume(self, token: str | None) -> ActiveSession | None:
        """The live session of a cookie's token, or None (absent, expired, credential changed)."""
        if not token or len(token) > 100:
            return None
        id_hash = token_hash(token)
        record = await self._store.get_session(id_hash)
        if record is None:
            return None
        now = now_ms()
        if now - record.seen_ms > self._idle_ms or now - record.created_ms > self._max_ms:
            await self._store.remove_session(id_hash)
            return None
        principal = await self._principal(record)
        if principal is None:
            await self._store.remove_session(id_hash)
            return None
        if now - record.seen_ms >= TOUCH_EVERY_MS:
            await self._store.touch_session(id_hash, now)
        return ActiveSession(record, principal)

    async def _principal(self, record: SessionRecord) -> Principal | None:
        """Who a stored session acts as now; None once that has ended."""
        if record.person is not None:
            people = self._people
            if people is None or not hmac.compare_digest(people.stamp, record.secret_stamp):
                return None  # single sign-on was turned off or reconfigured
            try:
                return await people.principal(record.person)
            except LRSError:  # the person's tenant was removed or disabled
                return None
        try:
            principal, secret_hash = await self._authenticator.resume(record.credential_key)
        except LRSError:  # the credential or its tenant was removed or disabled
            return None
        if not hmac.compare_digest(secret_stamp(secret_hash), record.secret_stamp):
            return None
        return principal

    async def sign_out(self, token: str | None) -> SessionRecord | None:
        """End the session of a cookie's token; the record it ended, if there was one."""
        if not token or len(token) > 100:
            return None
        id_hash = token_hash(token)
        record = await self._store.get_session(id_hash)
        await self._store.remove_session(id_hash)
        return record

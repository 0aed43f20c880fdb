"""Single sign-on for people: a verified OpenID Connect sign-in becomes a console principal.

The OP vouches for who a person is; the operator's mapping of one claim decides their tenant and
scopes. Every sign-in the OP vouched for is audited, granted or refused, and so is every
sign-out; callbacks that fail before that (a wrong state, a refused ID token) are only logged,
since anybody can send them and the audit log is kept for good.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from service.model.console import SignedInPerson
from service.model.errors import BadRequestError, ForbiddenError, LRSError
from service.model.tenancy import EffectiveLimits, Limits
from service.ops.logging import log_event
from service.settings import OidcSettings
from service.store.ports import AccountStore, AuditStore
from service.tenancy.admin.actor import AdminActor
from service.tenancy.admin.audit import audited
from service.tenancy.auth import Principal
from service.tenancy.sso.grants import GrantTable, SsoConfigError, claim_values
from service.tenancy.sso.provider import OpenIdProvider, PendingSignIn

log = logging.getLogger("service.sso")
MAX_NAME_CHARS = 200
MAX_SUBJECT_CHARS = 255  # OpenID Connect Core 1.0, 2: sub is at most 255 ASCII characters


class SingleSignOn:
    """Starts and completes sign-ins at the OP and resolves signed-in people to principals."""

    def __init__(
        self,
        provider: OpenIdProvider,
        grants: GrantTable,
        accounts: AccountStore,
        audit: AuditStore | None,
        defaults: EffectiveLimits,
    ) -> None:
        self.provider = provider
        self.grants = grants
        self._accounts = accounts
        self._audit = audit
        self._defaults = defaults
        config = f"{provider.issuer}\n{provider.client_id}\n{grants.stamp()}"
        self.stamp = hashlib.sha256(config.encode()).hexdigest()[:32]

    @classmethod
    def of(
        cls,
        settings: OidcSettings,
        accounts: AccountStore,
        audit: AuditStore | None,
        defaults: EffectiveLimits,
    ) -> SingleSignOn | None:
        """The configured single sign-on, or None without LRS_OIDC_ISSUER."""
        if settings.issuer is None:
            return None
        assert settings.client_id is not None  # the settings' own check
        provider = OpenIdProvider(
            settings.issuer,
            settings.client_id,
            _client_secret(settings),
            settings.scopes,
            timeout_seconds=settings.timeout_seconds,
        )
        return cls(provider, GrantTable.of(settings), accounts, audit, defaults)

    async def close(self) -> None:
        await self.provider.close()

    async def begin(self, redirect_uri: str) -> tuple[str, PendingSignIn]:
        """The OP's sign-in address for a new pending sign-in, which the browser keeps."""
        pending = PendingSignIn.new()
        return await self.provider.authorization_url(redirect_uri, pending), pending

    async def finish(
        self,
        params: Mapping[str, str],
        pending: PendingSignIn | None,
        redirect_uri: str,
        source: str | None,
    ) -> tuple[SignedInPerson, Principal]:
        """The person of the OP's callback; 400 when it does not belong to this browser's
        sign-in or its ID token is refused, 403 when their claim grants nothing."""
        state = params.get("state") or ""
        if pending is None or not hmac.compare_digest(state.encode(), pending.state.encode()):
            self._unverified("state", source)
            raise BadRequestError("this sign-in was not started here, or has expired: try again")
        if params.get("error"):
            error = params["error"][:100]
            self._unverified(f"provider:{error}", source)
            raise ForbiddenError(f"the OpenID Provider did not sign you in ({error})")
        issuer = params.get("iss")
        if issuer is not None and issuer != self.provider.issuer:  # RFC 9207 mix-up defence
            self._unverified("iss", source)
            raise BadRequestError("the sign-in answer came from another OpenID Provider")
        code = params.get("code") or ""
        if not code or len(code) > 2048:
            self._unverified("code", source)
            raise BadRequestError("the sign-in answer holds no authorization code")
        try:
            tokens = await self.provider.redeem(code, redirect_uri, pending)
        except LRSError as exc:
            self._unverified(f"token:{exc.status}", source)
            raise
        claims = tokens.claims
        subject = str(claims["sub"])
        if len(subject) > MAX_SUBJECT_CHARS:  # cut short, two people could become one
            self._unverified("sub", source)
            raise BadRequestError("the ID token's subject is longer than OpenID Connect allows")
        if not claim_values(claims, self.grants.claim) and tokens.access_token is not None:
            extra = await self.provider.userinfo(tokens.access_token, subject)
            claims = {**extra, **claims}
        name = _display_name(claims, subject)
        actor = AdminActor(name=f"sso:{subject} ({name})", audit=self._audit, source=source)
        async with audited(actor, "sso.signin", target=subject) as note:
            grant = self.grants.grant_for(claims)
            note.details["claim"] = self.grants.claim
            if grant is None:
                raise ForbiddenError(
                    f"your account is known to the OpenID Provider, but no value of its "
                    f"{self.grants.claim!r} claim gives access to this LRS: ask IT for access"
                )
            note.tenant = grant.tenant
            note.details["scopes"] = list(grant.scopes)
            person = SignedInPerson(subject, name, grant.tenant, grant.scopes)
            principal = await self.principal(person)
        return person, principal

    async def principal(self, person: SignedInPerson) -> Principal:
        """The principal of a signed-in person; 403 once their tenant is gone or disabled."""
        tenant = await self._accounts.get_tenant(person.tenant)
        if tenant is None or not tenant.enabled:
            state = "is disabled" if tenant is not None else "does not exist"
            raise ForbiddenError(f"the tenant {person.tenant!r} of your sign-in {state}")
        return Principal(
            key=f"sso:{person.subject}",
            tenant=person.tenant,
            name=person.name,
            scopes=frozenset(person.scopes),
            authority={
                "objectType": "Agent",
                "name": person.name,
                "account": {"homePage": self.provider.issuer, "name": person.subject},
            },
            limits=Limits().resolve(tenant.limits, self._defaults),
            subject=person.subject,
        )

    async def signed_out(self, person: SignedInPerson, source: str | None) -> None:
        """Audit the end of a person's session."""
        actor = AdminActor(
            name=f"sso:{person.subject} ({person.name})", audit=self._audit, source=source
        )
        async with audited(actor, "sso.signout", tenant=person.tenant, target=person.subject):
            pass

    def _unverified(self, reason: str, source: str | None) -> None:
        log_event(log, "sso.callback_refused", level=logging.WARNING, reason=reason, client=source)


def config_problem(settings: OidcSettings) -> str | None:
    """What makes the single sign-on configuration unusable (checked before serving), or None."""
    if settings.issuer is None:
        return None
    try:
        GrantTable.of(settings)
        _client_secret(settings)
    except SsoConfigError as exc:
        return str(exc)
    return None


def _display_name(claims: Mapping[str, Any], subject: str) -> str:
    for name in ("name", "preferred_username", "email"):
        value = claims.get(name)
        if isinstance(value, str) and value.strip():
            return value.strip()[:MAX_NAME_CHARS]
    return subject


def _client_secret(settings: OidcSettings) -> str:
    if settings.client_secret is not None:
        return settings.client_secret.get_secret_value()
    path = Path(str(settings.client_secret_file))
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise SsoConfigError(f"LRS_OIDC_CLIENT_SECRET_FILE {path}: {exc.strerror}") from None
    if not lines or not lines[0].strip():
        raise SsoConfigError(f"LRS_OIDC_CLIENT_SECRET_FILE {path} is empty")
    return lines[0].strip()

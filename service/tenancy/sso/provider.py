"""The OpenID Provider as this LRS talks to it: discovery, the Authorization Code flow with PKCE,
and ID tokens verified (signature by the OP's JWKS, iss, aud, exp, iat, nonce, at_hash).

Authlib supplies the protocol pieces (PKCE challenge, ID token claim rules) and joserfc the
signature check; the three HTTP calls go through httpx with a timeout and a size bound, since
Authlib's own httpx client is deprecated in favour of another HTTP library.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx
import orjson
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from authlib.oidc.core import CodeIDToken
from joserfc import jwt
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet
from joserfc.jws import JWSRegistry

from service.model.errors import BadRequestError, LRSError

METADATA_SECONDS = 3600.0  # discovery and keys are read again after this long
MAX_RESPONSE_BYTES = 1024 * 1024
LEEWAY_SECONDS = 60  # clock skew accepted on exp, iat and nbf


class ProviderError(LRSError):
    """The OpenID Provider could not be reached or answered something unusable."""

    status = 502


@dataclass(frozen=True, slots=True)
class PendingSignIn:
    """What one browser's sign-in carries from its start to the OP's callback."""

    state: str
    nonce: str
    verifier: str  # PKCE code verifier; the OP only ever sees its S256 challenge

    @classmethod
    def new(cls) -> PendingSignIn:
        return cls(secrets.token_urlsafe(32), secrets.token_urlsafe(32), secrets.token_urlsafe(48))


@dataclass(frozen=True, slots=True)
class Tokens:
    """What the token endpoint answered, the ID token's claims verified."""

    claims: dict[str, Any]
    access_token: str | None


class OpenIdProvider:
    """One configured OP and this LRS's client registration at it."""

    def __init__(
        self,
        issuer: str,
        client_id: str,
        client_secret: str,
        scopes: str,
        *,
        timeout_seconds: float,
    ) -> None:
        self.issuer = issuer
        self.client_id = client_id
        self._client_secret = client_secret
        self._scopes = scopes
        self._http = httpx.AsyncClient(timeout=timeout_seconds, follow_redirects=False)
        self._metadata: dict[str, Any] | None = None
        self._keys: KeySet | None = None
        self._read_at = 0.0

    async def close(self) -> None:
        await self._http.aclose()

    async def metadata(self) -> dict[str, Any]:
        """The OP's discovery document; its issuer must be exactly the configured one."""
        if self._metadata is None or time.monotonic() - self._read_at > METADATA_SECONDS:
            url = self.issuer.rstrip("/") + "/.well-known/openid-configuration"
            found = await self._json("GET", url)
            if found.get("issuer") != self.issuer:
                raise ProviderError(
                    f"the OpenID Provider calls itself {found.get('issuer')!r}, not "
                    f"{self.issuer!r} (LRS_OIDC_ISSUER must be its exact issuer)"
                )
            for name in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
                if not isinstance(found.get(name), str):
                    raise ProviderError(f"the OpenID Provider's discovery lacks {name}")
            self._metadata, self._keys, self._read_at = found, None, time.monotonic()
        return self._metadata

    async def authorization_url(self, redirect_uri: str, pending: PendingSignIn) -> str:
        """Where the browser goes to sign in: code flow, S256 PKCE, state and nonce."""
        metadata = await self.metadata()
        query = urlencode(
            {
                "response_type": "code",
                "client_id": self.client_id,
                "redirect_uri": redirect_uri,
                "scope": self._scopes,
                "state": pending.state,
                "nonce": pending.nonce,
                "code_challenge": create_s256_code_challenge(pending.verifier),  # type: ignore[no-untyped-call]
                "code_challenge_method": "S256",
            }
        )
        endpoint: str = metadata["authorization_endpoint"]
        return endpoint + ("&" if "?" in endpoint else "?") + query

    async def redeem(self, code: str, redirect_uri: str, pending: PendingSignIn) -> Tokens:
        """Exchange the code (with the PKCE verifier) and verify the ID token it brings."""
        metadata = await self.metadata()
        answer = await self._json(
            "POST",
            metadata["token_endpoint"],
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": redirect_uri,
                "code_verifier": pending.verifier,
            },
            auth=(self.client_id, self._client_secret),
        )
        id_token = answer.get("id_token")
        if not isinstance(id_token, str):
            raise ProviderError("the OpenID Provider's token answer holds no ID token")
        access_token = answer.get("access_token")
        access = access_token if isinstance(access_token, str) else None
        claims = await self._verified_claims(id_token, pending.nonce, access)
        return Tokens(claims, access)

    async def userinfo(self, access_token: str, subject: str) -> dict[str, Any]:
        """The userinfo claims, when the OP has the endpoint and they are about `subject`."""
        endpoint = (await self.metadata()).get("userinfo_endpoint")
        if not isinstance(endpoint, str):
            return {}
        found = await self._json(
            "GET", endpoint, headers={"Authorization": f"Bearer {access_token}"}
        )
        return found if found.get("sub") == subject else {}

    async def end_session_url(self, post_logout_redirect_uri: str) -> str | None:
        """RP-initiated logout at the OP, when it advertises an end_session_endpoint."""
        try:
            endpoint = (await self.metadata()).get("end_session_endpoint")
        except ProviderError:
            return None
        if not isinstance(endpoint, str):
            return None
        query = urlencode(
            {"client_id": self.client_id, "post_logout_redirect_uri": post_logout_redirect_uri}
        )
        return endpoint + ("&" if "?" in endpoint else "?") + query

    async def _verified_claims(
        self, id_token: str, nonce: str, access_token: str | None
    ) -> dict[str, Any]:
        """The ID token's claims once its signature, issuer, audience, times and nonce hold."""
        metadata = await self.metadata()
        algorithms = metadata.get("id_token_signing_alg_values_supported") or ["RS256"]
        registry = JWSRegistry(algorithms=[a for a in algorithms if a != "none"])
        try:
            try:
                token = jwt.decode(id_token, await self._key_set(), registry=registry)
            except InvalidKeyIdError:  # the OP rotated its keys since they were read
                token = jwt.decode(id_token, await self._key_set(fresh=True), registry=registry)
            params: dict[str, Any] = {"nonce": nonce, "client_id": self.client_id}
            if access_token is not None:
                params["access_token"] = access_token
            claims = CodeIDToken(
                token.claims, token.header, {"iss": {"values": [self.issuer]}}, params
            )
            claims.validate(leeway=LEEWAY_SECONDS)
        except JoseError as exc:
            raise BadRequestError(f"the ID token was refused: {exc.description or exc}") from None
        except ValueError as exc:  # a token that is not a JWS at all
            raise BadRequestError(f"the ID token was refused: {exc}") from None
        if not isinstance(token.claims.get("sub"), str) or not token.claims["sub"]:
            raise BadRequestError("the ID token was refused: it names no subject")
        return dict(token.claims)

    async def _key_set(self, *, fresh: bool = False) -> KeySet:
        if self._keys is None or fresh:
            found = await self._json("GET", (await self.metadata())["jwks_uri"])
            try:
                self._keys = KeySet.import_key_set(found)  # type: ignore[arg-type]
            except (JoseError, ValueError, KeyError, TypeError) as exc:
                raise ProviderError(f"the OpenID Provider's keys are unusable: {exc}") from None
        return self._keys

    async def _json(self, method: str, url: str, **options: Any) -> dict[str, Any]:
        """A JSON object from the OP, read up to MAX_RESPONSE_BYTES; ProviderError otherwise."""
        try:
            async with self._http.stream(method, url, **options) as response:
                body = bytearray()
                async for chunk in response.aiter_bytes():
                    body += chunk
                    if len(body) > MAX_RESPONSE_BYTES:
                        raise ProviderError("the OpenID Provider's answer is too large")
        except httpx.HTTPError as exc:
            raise ProviderError(
                f"the OpenID Provider is unreachable: {type(exc).__name__}"
            ) from None
        try:
            found = orjson.loads(body)
        except orjson.JSONDecodeError:
            found = None
        if response.status_code != 200 or not isinstance(found, dict):
            detail = found.get("error") if isinstance(found, dict) else None
            raise ProviderError(
                f"the OpenID Provider answered {response.status_code}"
                + (f" ({str(detail)[:100]})" if detail else "")
            )
        return found

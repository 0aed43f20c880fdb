"""The console's session cookie, shared by the console's pages and the admin API.

A person signed in to the console (with a credential, or through single sign-on) may call
/admin/* with the session cookie instead of a Basic credential. A browser sends that cookie
by itself, so a state-changing call must also carry the session's CSRF token in the
X-CSRF-Token header, which another site can neither read nor send.
"""

from __future__ import annotations

from fastapi import Request

from service.api.deps import runtime_of
from service.model.errors import ForbiddenError
from service.ops.context import request_facts
from service.tenancy.sessions import ActiveSession, SessionKeeper

COOKIE = "lrs_console"
SECURE_COOKIE = "__Host-lrs_console"  # the prefix makes browsers refuse it without Secure
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def keeper_of(request: Request) -> SessionKeeper:
    runtime = runtime_of(request)
    settings = runtime.settings
    return SessionKeeper(
        runtime.store.sessions,
        runtime.authenticator,
        idle_seconds=settings.console.idle_minutes * 60,
        max_seconds=settings.console.session_hours * 3600,
        people=runtime.sso,
    )


def is_https(request: Request) -> bool:
    """Served over HTTPS: directly, or behind a proxy uvicorn trusts (FORWARDED_ALLOW_IPS)."""
    return request.url.scheme == "https"


def cookie_name(request: Request) -> str:
    return SECURE_COOKIE if is_https(request) else COOKIE


def session_token(request: Request) -> str | None:
    return request.cookies.get(cookie_name(request))


def same_origin(request: Request) -> bool:
    """False for a request a browser says came from another site (CSRF defence in depth)."""
    if request.headers.get("sec-fetch-site", "same-origin") not in ("same-origin", "none"):
        return False
    origin = request.headers.get("origin")
    if origin is None:
        return True
    return origin == f"{request.url.scheme}://{request.headers.get('host', '')}"


async def api_session(request: Request) -> ActiveSession | None:
    """The console session an admin API call without credentials comes with, if any; 403 for
    a state-changing call without the session's CSRF token or from another site."""
    if not runtime_of(request).settings.console.enabled:
        return None
    session = await keeper_of(request).resume(session_token(request))
    if session is None:
        return None
    facts = request_facts(request.scope)  # the access log names who acted
    facts.tenant, facts.credential = session.principal.tenant, session.principal.key
    if request.method in SAFE_METHODS:
        return session
    if not same_origin(request) or not session.csrf_matches(request.headers.get(CSRF_HEADER)):
        raise ForbiddenError(
            f"a call signed in with the console's session cookie needs the session's CSRF "
            f"token in {CSRF_HEADER} (the console page's csrf-token meta tag)"
        )
    return session

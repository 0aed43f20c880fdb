"""Single sign-on in the console: off to the OpenID Provider, back with a verified person.

The browser keeps the pending sign-in (state, nonce, PKCE verifier) in a short-lived HttpOnly
cookie; the callback must return the same state, and the ID token the same nonce. A person
whose claim maps to nothing gets a page saying so (403), and no session.
"""

from __future__ import annotations

import base64
import binascii

import orjson
from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse

from service.api.console_session import cookie_name, is_https, keeper_of, session_token
from service.api.deps import client_address, runtime_of
from service.console.web import BASE, ConsoleRoute, render, set_session_cookie
from service.model.errors import LRSError, NotFoundError
from service.tenancy.sso.people import SingleSignOn
from service.tenancy.sso.provider import PendingSignIn

router = APIRouter(prefix=f"{BASE}/sso", route_class=ConsoleRoute, include_in_schema=False)
PENDING_COOKIE = "lrs_sso"
SECURE_PENDING_COOKIE = "__Host-lrs_sso"
PENDING_SECONDS = 600  # a sign-in left at the OP longer than this starts again
MAX_PENDING_CHARS = 400


def _sso(request: Request) -> SingleSignOn:
    sso = runtime_of(request).sso
    if sso is None:
        raise NotFoundError("single sign-on is not configured (LRS_OIDC_ISSUER)")
    return sso


def _pending_cookie(request: Request) -> str:
    return SECURE_PENDING_COOKIE if is_https(request) else PENDING_COOKIE


def callback_uri(request: Request) -> str:
    """The redirect URI registered at the OP: under LRS_PUBLIC_URL when set."""
    return _public_base(request) + f"{BASE}/sso/callback"


def _public_base(request: Request) -> str:
    public = runtime_of(request).settings.public_url
    return public.rstrip("/") if public else str(request.base_url).rstrip("/")


@router.get("")
async def start(request: Request) -> Response:
    """Off to the OP's sign-in page, the pending sign-in kept in this browser."""
    url, pending = await _sso(request).begin(callback_uri(request))
    response = RedirectResponse(url, status_code=303)
    value = orjson.dumps([pending.state, pending.nonce, pending.verifier])
    response.set_cookie(
        _pending_cookie(request),
        base64.urlsafe_b64encode(value).decode(),
        max_age=PENDING_SECONDS,
        path="/",
        secure=is_https(request),
        httponly=True,
        samesite="lax",  # the OP's redirect back is a top-level GET: the cookie comes along
    )
    return response


@router.get("/callback")
async def callback(request: Request) -> Response:
    """The OP's answer: a session for a verified and granted person, else a page why not."""
    sso = _sso(request)
    pending = _read_pending(request.cookies.get(_pending_cookie(request)))
    params = {key: value for key, value in request.query_params.items()}
    keeper = keeper_of(request)
    try:
        person, principal = await sso.finish(
            params, pending, callback_uri(request), client_address(request)
        )
        signed_in = await keeper.sign_in_person(person, principal)
    except LRSError as exc:
        response: Response = render(
            request,
            "sso_problem.html",
            {"status": exc.status, "message": exc.message},
            status=exc.status,
        )
    else:
        await keeper.sign_out(session_token(request))  # a session signed in over is ended
        response = RedirectResponse(f"{BASE}/", status_code=303)
        set_session_cookie(request, response, signed_in.token)
    response.delete_cookie(
        _pending_cookie(request), path="/", secure=is_https(request), httponly=True
    )
    return response


async def end_person_session(request: Request, response: Response) -> Response:
    """After a sign-out: audit a person's, and send them on to the OP's logout if it has one."""
    record = await keeper_of(request).sign_out(session_token(request))
    response.delete_cookie(cookie_name(request), path="/", secure=is_https(request), httponly=True)
    sso = runtime_of(request).sso
    if record is None or record.person is None or sso is None:
        return response
    await sso.signed_out(record.person, client_address(request))
    end = await sso.provider.end_session_url(_public_base(request) + f"{BASE}/signin")
    if end is None:
        return response
    redirect = RedirectResponse(end, status_code=303)
    for name, value in response.headers.items():
        if name.lower() == "set-cookie":
            redirect.headers.append(name, value)
    return redirect


def _read_pending(value: str | None) -> PendingSignIn | None:
    if not value or len(value) > MAX_PENDING_CHARS:
        return None
    try:
        state, nonce, verifier = orjson.loads(base64.urlsafe_b64decode(value.encode()))
    except (ValueError, TypeError, binascii.Error):
        return None
    if not all(isinstance(part, str) and part for part in (state, nonce, verifier)):
        return None
    return PendingSignIn(state, nonce, verifier)

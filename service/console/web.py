"""What every console page shares: templates, security headers, sessions, CSRF-checked forms.

Pages are rendered by Jinja2 with autoescaping on, so statement content (names, display maps,
extensions: all untrusted) is always text; the Content-Security-Policy allows no inline script
or style, so even markup that slipped through could not run.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Coroutine
from pathlib import Path
from typing import Annotated, Any

import jinja2
from fastapi import Depends, HTTPException, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute
from starlette.datastructures import FormData

from service import __version__
from service.api.console_session import (
    cookie_name,
    is_https,
    keeper_of,
    same_origin,
    session_token,
)
from service.api.deps import runtime_of
from service.model.errors import BadRequestError, ForbiddenError, LRSError, PayloadTooLargeError
from service.tenancy.sessions import ActiveSession
from service.xapi.timestamps import format_ms

HERE = Path(__file__).parent
BASE = "/console"
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
    "Cross-Origin-Opener-Policy": "same-origin",
}
MAX_FORM_BYTES = 2 * 1024 * 1024

ENVIRONMENT = jinja2.Environment(
    loader=jinja2.FileSystemLoader(HERE / "templates"),
    autoescape=True,  # every template, whatever its file name
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
ENVIRONMENT.globals.update(base=BASE, version=__version__)
ENVIRONMENT.filters["ms"] = lambda ms: readable_time(format_ms(ms))


def readable_time(text: str | None) -> str:
    """An xAPI timestamp to the minute, as people read it: `2026-01-02 10:00 UTC`."""
    if not text or len(text) < 16 or text[10] != "T":
        return text or ""
    suffix = " UTC" if text.endswith("Z") or text.endswith("+00:00") else ""
    return text[:10] + " " + text[11:16] + suffix


ENVIRONMENT.filters["when"] = readable_time


class SignInRequiredError(Exception):
    """No live session: the page answers with a redirect to the sign-in form."""


def set_session_cookie(request: Request, response: Response, token: str) -> None:
    """The browser's cookie of a new session: only its random id, HttpOnly, SameSite=Lax."""
    response.set_cookie(
        cookie_name(request),
        token,
        max_age=int(runtime_of(request).settings.console.session_hours * 3600),
        path="/",
        secure=is_https(request),
        httponly=True,
        samesite="lax",
    )


async def current_session(request: Request) -> ActiveSession:
    """The signed-in session of this request; otherwise the page redirects to sign-in."""
    session = await keeper_of(request).resume(session_token(request))
    if session is None:
        raise SignInRequiredError
    return session


SessionDep = Annotated[ActiveSession, Depends(current_session)]


async def read_form(request: Request) -> FormData:
    """The posted form, refused when it comes from another site."""
    if not same_origin(request):
        raise ForbiddenError("a form posted from another site is refused")
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > MAX_FORM_BYTES:
        raise PayloadTooLargeError("the form is too large")
    return await request.form(max_files=2, max_fields=200, max_part_size=MAX_FORM_BYTES)


async def checked_form(request: Request, session: SessionDep) -> AsyncIterator[FormData]:
    """A state-changing form of a signed-in person: same site and the session's CSRF token.
    Uploaded files are closed once the page is answered."""
    form = await read_form(request)
    try:
        token = form.get("csrf")
        if not session.csrf_matches(token if isinstance(token, str) else None):
            raise ForbiddenError("the form's CSRF token is missing or wrong; reload the page")
        yield form
    finally:
        await form.close()


FormDep = Annotated[FormData, Depends(checked_form)]


def render(
    request: Request,
    template: str,
    context: dict[str, Any],
    *,
    session: ActiveSession | None = None,
    status: int = 200,
) -> HTMLResponse:
    """A page; with a session, the navigation follows its scopes and forms carry its token."""
    values: dict[str, Any] = {
        "path": request.url.path,
        "session": None,
        "csrf": "",
        "sso_enabled": runtime_of(request).sso is not None,
    }
    if session is not None:
        principal = session.principal
        values.update(
            session=session,
            csrf=session.csrf_token,
            who=principal,
            can_admin=principal.can("admin"),
            can_read_outcomes=principal.can("outcomes/read"),
            can_write_outcomes=principal.can("outcomes/write"),
        )
    values.update(context)
    html = ENVIRONMENT.get_template(template).render(values)
    return HTMLResponse(html, status_code=status)


async def error_page(request: Request, exc: LRSError) -> HTMLResponse:
    """An error as a page, with the status the API would answer (and the navigation, when
    somebody is signed in)."""
    try:
        session = await keeper_of(request).resume(session_token(request))
    except LRSError:  # the store itself is failing: the page says what went wrong without it
        session = None
    response = render(
        request,
        "error.html",
        {"status": exc.status, "message": exc.message, "details": exc.details},
        session=session,
        status=exc.status,
    )
    for name, value in exc.headers.items():
        if name.lower() != "www-authenticate":  # no browser Basic-auth prompt on a page
            response.headers[name] = value
    return response


class ConsoleRoute(APIRoute):
    """A console route: errors render as pages, a missing session redirects to sign-in, and
    every answer carries the security headers."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def run(request: Request) -> Response:
            response: Response
            try:
                response = await handler(request)
            except SignInRequiredError:
                response = RedirectResponse(f"{BASE}/signin", status_code=303)
            except LRSError as exc:
                response = await error_page(request, exc)
            except RequestValidationError:  # a path or query value of the wrong type
                response = await error_page(request, BadRequestError("the address is not valid"))
            except HTTPException as exc:  # e.g. a malformed multipart form
                problem = LRSError(str(exc.detail))
                problem.status = exc.status_code
                response = await error_page(request, problem)
            for name, value in SECURITY_HEADERS.items():
                response.headers.setdefault(name, value)
            return response

        return run

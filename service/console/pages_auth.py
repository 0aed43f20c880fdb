"""Sign-in and sign-out: a credential's key and secret in, a server-side session out."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse

from service.api.console_session import keeper_of, session_token
from service.console.pages_sso import end_person_session
from service.console.web import (
    BASE,
    ConsoleRoute,
    FormDep,
    read_form,
    render,
    set_session_cookie,
)
from service.model.errors import LRSError

router = APIRouter(prefix=BASE, route_class=ConsoleRoute, include_in_schema=False)


@router.get("/")
async def get_home(request: Request) -> Response:
    """The outcomes page for people who may read outcomes, else the statement browser."""
    session = await keeper_of(request).resume(session_token(request))
    if session is None:
        return RedirectResponse(f"{BASE}/signin", status_code=303)
    target = "outcomes" if session.principal.can("outcomes/read") else "statements"
    return RedirectResponse(f"{BASE}/{target}", status_code=303)


@router.get("/signin")
async def get_signin(request: Request) -> Response:
    return render(request, "signin.html", {"problem": None, "key": ""})


@router.post("/signin")
async def post_signin(request: Request) -> Response:
    """Verified and throttled like any API request (AU-2); the cookie holds only a random id."""
    form = await read_form(request)
    key, secret = str(form.get("key") or "").strip(), str(form.get("secret") or "")
    if not key or not secret or len(key) > 200 or len(secret) > 500:
        return render(
            request, "signin.html", {"problem": "Enter a key and a secret.", "key": key}, status=400
        )
    client = request.client.host if request.client else None
    keeper = keeper_of(request)
    try:
        signed_in = await keeper.sign_in(key, secret, client)
    except LRSError as exc:
        refused = render(
            request, "signin.html", {"problem": _refusal(exc), "key": key}, status=exc.status
        )
        if "Retry-After" in exc.headers:
            refused.headers["Retry-After"] = exc.headers["Retry-After"]
        return refused
    await keeper.sign_out(session_token(request))  # a session signed in over is ended
    response = RedirectResponse(f"{BASE}/", status_code=303)
    set_session_cookie(request, response, signed_in.token)
    return response


@router.post("/signout")
async def post_signout(request: Request, form: FormDep) -> Response:
    """End the session; a person signed in through SSO goes on to the OP's logout."""
    return await end_person_session(request, RedirectResponse(f"{BASE}/signin", status_code=303))


def _refusal(exc: LRSError) -> str:
    """What a person is told; an unknown key and a wrong secret read the same (AU-2)."""
    if exc.status == 401 and "disabled" not in exc.message:
        return "That key and secret do not match a credential."
    return exc.message[:1].upper() + exc.message[1:] + "."

"""Sign-in and sign-out: a credential's key and secret in, a server-side session out."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse

from service.api.deps import runtime_of
from service.console.web import (
    BASE,
    ConsoleRoute,
    FormDep,
    cookie_name,
    is_https,
    keeper_of,
    read_form,
    render,
    session_token,
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
    settings = runtime_of(request).settings
    response.set_cookie(
        cookie_name(request),
        signed_in.token,
        max_age=int(settings.console.session_hours * 3600),
        path="/",
        secure=is_https(request),
        httponly=True,
        samesite="lax",
    )
    return response


@router.post("/signout")
async def post_signout(request: Request, form: FormDep) -> Response:
    await keeper_of(request).sign_out(session_token(request))
    response = RedirectResponse(f"{BASE}/signin", status_code=303)
    response.delete_cookie(cookie_name(request), path="/", secure=is_https(request), httponly=True)
    return response


def _refusal(exc: LRSError) -> str:
    """What a person is told; an unknown key and a wrong secret read the same (AU-2)."""
    if exc.status == 401 and "disabled" not in exc.message:
        return "That key and secret do not match a credential."
    return exc.message[:1].upper() + exc.message[1:] + "."

"""The 1.0.x alternate request syntax: POST ?method=X with a form body (T-9, T-10)."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

from starlette.datastructures import Headers
from starlette.types import Scope

from service.model.errors import BadRequestError

ALLOWED_METHODS = frozenset({"GET", "PUT", "POST", "DELETE", "HEAD"})
HEADER_FIELDS = frozenset(
    {
        "authorization",
        "x-experience-api-version",
        "content-type",
        "content-length",
        "if-match",
        "if-none-match",
    }
)
FORM_TYPE = "application/x-www-form-urlencoded"


def wants_alternate_syntax(query: list[tuple[str, str]]) -> bool:
    return any(name == "method" for name, _ in query)


def check_alternate_request(scope: Scope, query: list[tuple[str, str]]) -> str:
    """The emulated method; 400 unless this is a POST whose only parameter is `method` (T-9)."""
    if scope["method"] != "POST":
        raise BadRequestError("the 'method' parameter is only allowed on POST")
    if len(query) != 1:
        raise BadRequestError("alternate request syntax allows no parameter besides 'method'")
    method = query[0][1]
    if method not in ALLOWED_METHODS:
        raise BadRequestError(f"unsupported method {method!r} in alternate request syntax")
    content_type = Headers(scope=scope).get("content-type", "")
    if content_type.split(";")[0].strip().lower() != FORM_TYPE:
        raise BadRequestError(f"alternate request syntax needs a {FORM_TYPE} body")
    return method


def rewrite_alternate_request(scope: Scope, method: str, form_body: bytes) -> tuple[Scope, bytes]:
    """The scope and body of the request the form describes: headers, parameters, content."""
    try:
        fields = parse_qsl(form_body.decode("utf-8"), keep_blank_values=True, strict_parsing=True)
    except (UnicodeDecodeError, ValueError):
        raise BadRequestError("the form body is not valid form encoding") from None
    headers = {k.decode("latin-1").lower(): v for k, v in scope["headers"]}
    headers.pop("content-length", None)
    headers.pop("content-type", None)
    params: list[tuple[str, str]] = []
    content: str | None = None
    for name, value in fields:
        lowered = name.lower()
        if name == "content":
            content = value
        elif lowered in HEADER_FIELDS:
            headers[lowered] = value.encode("latin-1", "replace")
        else:
            params.append((name, value))
    if method in ("PUT", "POST") and content is None:
        raise BadRequestError("alternate request syntax needs a 'content' form field")
    body = (content or "").encode("utf-8")
    if content is not None and "content-type" not in headers:
        headers["content-type"] = b"application/json"
    headers["content-length"] = str(len(body)).encode()
    new_scope = dict(scope)
    new_scope["method"] = method
    new_scope["query_string"] = urlencode(params).encode()
    new_scope["headers"] = [
        (k.encode("latin-1"), v if isinstance(v, bytes) else v.encode("latin-1"))
        for k, v in headers.items()
    ]
    return new_scope, body

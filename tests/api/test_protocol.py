"""Transport rules shared by every resource: versions, auth, CORS, alternate syntax, HEAD."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from urllib.parse import urlencode

import httpx
import orjson
import pytest
from fastapi import FastAPI

from tests.builders import statement
from tests.conftest import BASIC, client_for

pytestmark = pytest.mark.asyncio


async def test_t4_about_needs_no_version_and_no_credentials(app: FastAPI) -> None:
    """T-4, RS-9: about answers 200 with both versions and nothing else."""
    async with client_for(app, None, auth=False) as c:
        response = await c.get("/xapi/about")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"version"}
    assert {"1.0.3", "2.0.0"} <= set(body["version"])
    assert response.headers["X-Experience-API-Version"] == "2.0.0"


@pytest.mark.parametrize("header", ["1.0", "1.0.0", "1.0.2", "1.0.3", "1.0.9"])
async def test_rs9_about_for_a_1_0_client_lists_the_1_0_versions(app: FastAPI, header: str) -> None:
    """RS-9, X-2: a 1.0.x request gets the 1.0.x versions, the latest patch (1.0.3) among them.

    Clients written before 2.0 (TinCanPython's About model) reject an unknown `2.0.0` entry.
    """
    async with client_for(app, header, auth=False) as c:
        response = await c.get("/xapi/about")
    assert response.status_code == 200
    assert response.json() == {"version": ["1.0.0", "1.0.1", "1.0.2", "1.0.3"]}
    assert response.headers["X-Experience-API-Version"] == "1.0.3"
    assert "X-Experience-API-Version" in response.headers["Vary"]


@pytest.mark.parametrize("header", [None, "2.0", "2.0.0", "2.0.3", "3.0.0", "BAD", ""])
async def test_rs9_about_for_other_requests_lists_every_version(
    app: FastAPI, header: str | None
) -> None:
    """RS-9, T-4, X-2: 2.0.x, missing or unusable headers get every version, never a 400."""
    async with client_for(app, header, auth=False) as c:
        response = await c.get("/xapi/about")
    assert response.status_code == 200
    assert response.json() == {"version": ["1.0.0", "1.0.1", "1.0.2", "1.0.3", "2.0.0"]}
    assert "X-Experience-API-Version" in response.headers["Vary"]


async def test_t20_about_head(app: FastAPI) -> None:
    """T-20: HEAD about has the GET headers and no body."""
    async with client_for(app, "1.0.3") as c:
        response = await c.head("/xapi/about")
    assert response.status_code == 200
    assert response.content == b""
    assert response.headers["content-type"] == "application/json"


@pytest.mark.parametrize("header", ["BAD", "0.9", "0.95", "1.1.0", "2.1.0", "3.0.0", ""])
async def test_t1_bad_version_header_rejected(app: FastAPI, header: str) -> None:
    """T-1: any version outside 1.0.x and 2.0.x is answered 400 with a message."""
    async with client_for(app, header) as c:
        response = await c.get("/xapi/statements")
    assert response.status_code == 400
    assert response.json()["message"]


async def test_t1_missing_version_header_rejected(app: FastAPI) -> None:
    """T-1, T-3, T-18: missing version → 400, still with version and Consistent-Through headers."""
    async with client_for(app, None) as c:
        response = await c.get("/xapi/statements")
    assert response.status_code == 400
    assert response.headers["X-Experience-API-Version"] == "2.0.0"
    assert "X-Experience-API-Consistent-Through" in response.headers


async def test_t3_fallback_version_is_configurable(tmp_path: object) -> None:
    """T-3: LRS_DEFAULT_XAPI_VERSION decides the header on unversioned 400s."""
    from pathlib import Path

    from service.app import create_app
    from tests.conftest import make_settings

    application = create_app(make_settings(Path(str(tmp_path)), default_xapi_version="1.0.3"))
    async with application.router.lifespan_context(application), client_for(application, None) as c:
        response = await c.get("/xapi/statements")
    assert response.status_code == 400
    assert response.headers["X-Experience-API-Version"] == "1.0.3"


@pytest.mark.parametrize(
    ("sent", "answered"),
    [
        ("1.0", "1.0.3"),
        ("1.0.0", "1.0.3"),
        ("1.0.2", "1.0.3"),  # what authoring tools and TinCanJS send
        ("1.0.3", "1.0.3"),
        ("1.0.9", "1.0.3"),
        ("2.0", "2.0.0"),
        ("2.0.0", "2.0.0"),
        ("2.0.5", "2.0.0"),
    ],
)
async def test_t2_response_version_is_family_patch(app: FastAPI, sent: str, answered: str) -> None:
    """T-2, X-1: the response carries the latest patch of the request's family."""
    async with client_for(app, sent) as c:
        response = await c.get("/xapi/statements")
    assert response.status_code == 200
    assert response.headers["X-Experience-API-Version"] == answered


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "Basic:xyz",
        "Bearer abc",
        "Basic !!!notbase64",
        "Basic " + base64.b64encode(b"test-key:wrong").decode(),
    ],
)
async def test_au2_bad_credentials_get_401(
    app: FastAPI, version: str, authorization: str | None
) -> None:
    """AU-2: missing, malformed or wrong credentials → 401 with WWW-Authenticate."""
    headers = {"X-Experience-API-Version": version}
    if authorization is not None:
        headers["Authorization"] = authorization
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://lrs.test", headers=headers
    ) as c:
        response = await c.get("/xapi/statements")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Basic realm="xAPI"'
    assert response.headers["X-Experience-API-Version"] == version
    assert "X-Experience-API-Consistent-Through" in response.headers


async def test_t23_cors_preflight_without_credentials(app: FastAPI) -> None:
    """T-23: OPTIONS preflight is answered without auth, naming methods and headers."""
    async with client_for(app, None, auth=False) as c:
        response = await c.options(
            "/xapi/statements",
            headers={"Origin": "https://lms.example.org", "Access-Control-Request-Method": "PUT"},
        )
    assert response.status_code == 204
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "PUT" in response.headers["Access-Control-Allow-Methods"]
    assert "X-Experience-API-Version" in response.headers["Access-Control-Allow-Headers"]


async def test_t23_cors_headers_on_responses(client: httpx.AsyncClient) -> None:
    """T-23: responses to cross-origin requests expose the xAPI headers."""
    response = await client.get("/xapi/statements", headers={"Origin": "https://lms.example.org"})
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert (
        "X-Experience-API-Consistent-Through" in response.headers["Access-Control-Expose-Headers"]
    )


async def test_t21_unknown_path_is_404_json(client: httpx.AsyncClient) -> None:
    """T-21: unknown resources → 404 with a JSON message and the version header."""
    response = await client.get("/xapi/nothing-here")
    assert response.status_code == 404
    assert response.json()["message"]
    assert "X-Experience-API-Version" in response.headers


async def test_t21_unsupported_method_is_405(client: httpx.AsyncClient) -> None:
    """T-21: a known resource with an unsupported method → 405."""
    response = await client.delete("/xapi/statements")
    assert response.status_code == 405


def _form(**fields: str) -> bytes:
    return urlencode(fields).encode()


async def _alternate(
    app: FastAPI, method: str, body: bytes, query: str | None = None
) -> httpx.Response:
    async with client_for(app, None, auth=False) as c:
        return await c.post(
            f"/xapi/statements?{query or 'method=' + method}",
            content=body,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )


async def test_t9_alternate_put_with_auth_and_version_in_form(app: FastAPI) -> None:
    """T-9: 1.0.x alternate syntax, credentials and version only inside the form."""
    stmt = statement(with_id=False)
    body = _form(
        statementId="12345678-1234-4234-8234-123456789012",
        content=orjson.dumps(stmt).decode(),
        Authorization=BASIC,
        **{"X-Experience-API-Version": "1.0.3", "Content-Type": "application/json"},
    )
    response = await _alternate(app, "PUT", body)
    assert response.status_code == 204, response.text
    assert response.headers["X-Experience-API-Version"] == "1.0.3"
    get = await _alternate(
        app,
        "GET",
        _form(
            statementId="12345678-1234-4234-8234-123456789012",
            Authorization=BASIC,
            **{"X-Experience-API-Version": "1.0.3"},
        ),
    )
    assert get.status_code == 200
    assert get.json()["verb"] == stmt["verb"]


async def test_t9_alternate_get_with_limit_returns_result(app: FastAPI) -> None:
    """T-9: method=GET with form limit=1 → 200 StatementResult."""
    body = _form(limit="1", Authorization=BASIC, **{"X-Experience-API-Version": "1.0.3"})
    response = await _alternate(app, "GET", body)
    assert response.status_code == 200
    assert "statements" in response.json()


@pytest.mark.parametrize(
    ("query", "form"),
    [
        ("method=PUT", {"Authorization": BASIC, "X-Experience-API-Version": "1.0.3"}),
        ("method=GET&limit=1", {"Authorization": BASIC, "X-Experience-API-Version": "1.0.3"}),
        ("method=PATCH", {"Authorization": BASIC, "X-Experience-API-Version": "1.0.3"}),
        ("method=GET", {"Authorization": BASIC, "X-Experience-API-Version": "0.8"}),
    ],
)
async def test_t9_alternate_syntax_errors(app: FastAPI, query: str, form: dict[str, str]) -> None:
    """T-9: PUT without content, extra query parameters, bad method, bad form version → 400."""
    response = await _alternate(app, "", _form(**form), query=query)
    assert response.status_code == 400


async def test_t9_json_body_declared_as_form_rejected(app: FastAPI) -> None:
    """T-9: a JSON body declared form-encoded has no content field → 400."""
    response = await _alternate(app, "PUT", orjson.dumps(statement()))
    assert response.status_code in (400, 401)


async def test_t9_method_on_non_post_rejected(app: FastAPI) -> None:
    """T-9: a non-POST request carrying `method` → 400."""
    async with client_for(app, "1.0.3") as c:
        response = await c.get("/xapi/statements?method=GET")
    assert response.status_code == 400


@pytest.mark.parametrize("method", ["GET", "PUT", "POST", "DELETE", "HEAD"])
async def test_t10_v2_rejects_alternate_syntax(app: FastAPI, method: str) -> None:
    """T-10, X-4: any 2.0 request with a method parameter → 400."""
    async with client_for(app, "2.0.0") as c:
        response = await c.post(
            f"/xapi/statements?method={method}",
            content=_form(content="{}"),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
    assert response.status_code == 400


async def test_t24_declared_oversized_body_is_413(tmp_path: object) -> None:
    """T-24: a body over LRS_MAX_BODY_BYTES is refused with 413 before it is read."""
    from pathlib import Path

    from service.app import create_app
    from tests.conftest import make_settings

    application = create_app(make_settings(Path(str(tmp_path)), max_body_bytes=1000))
    async with (
        application.router.lifespan_context(application),
        client_for(application, "2.0.0") as c,
    ):
        big = orjson.dumps([statement() for _ in range(20)])
        response = await c.post(
            "/xapi/statements", content=big, headers={"Content-Type": "application/json"}
        )
        assert response.status_code == 413

        async def chunks() -> AsyncIterator[bytes]:
            yield big[:500]
            yield big[500:]

        streamed = await c.post(
            "/xapi/statements", content=chunks(), headers={"Content-Type": "application/json"}
        )
        assert streamed.status_code == 413
        assert (await c.get("/xapi/statements")).json()["statements"] == []


async def test_t0_trailing_slash_is_the_same_resource(client: httpx.AsyncClient) -> None:
    """T-0: resource paths work with and without a trailing slash."""
    response = await client.get("/xapi/statements/")
    assert response.status_code == 200
    assert "statements" in response.json()


async def test_openapi_document_builds(app: FastAPI) -> None:
    """The served OpenAPI document has a distinct operation id for GET and HEAD routes."""
    document = app.openapi()
    operations = [op["operationId"] for path in document["paths"].values() for op in path.values()]
    assert len(operations) == len(set(operations))
    assert "/xapi/statements" in document["paths"]

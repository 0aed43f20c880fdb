"""Schemathesis against the served OpenAPI document, in-process on a real SQLite store (issue 9).

Every operation gets schema-conforming and schema-violating requests with a valid credential.
Whatever arrives: no 5xx (T-21), no hang, every xAPI response carries the version header (T-2)
and uses a status code the document lists for it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from fastapi.routing import APIRoute
from hypothesis import given
from hypothesis import strategies as st
from schemathesis import APIOperation, BaseSchema, GenerationMode, Response
from schemathesis import Case as AnyCase
from schemathesis.core.result import Ok
from schemathesis.python.asgi import get_client, shutdown_lifespans
from schemathesis.specs.openapi.checks import (
    response_headers_conformance,
    status_code_conformance,
)

from schemas import formats
from schemas.datatypes import anchored
from service.api import about, activities, agents, documents, statements
from service.api.error_answer import VERSION_HEADER
from tests.conftest import BASIC
from tests.reliability.fuzz_support import CASES, REQUEST_TIMEOUT, fuzz_app, fuzz_settings

Operation = APIOperation[Any, Any, Any, Any]
Case = AnyCase[Operation]
PREFIX = "/xapi"
XAPI_OPERATIONS = sorted(
    (method, PREFIX + route.path)
    for module in (about, statements, documents, activities, agents)
    for route in module.router.routes
    if isinstance(route, APIRoute)
    for method in route.methods or ()
)
"""Every operation of the xAPI routers (the document must list exactly these)."""
DOCUMENTED_5XX = {("GET", "/readyz", 503), ("HEAD", "/readyz", 503)}
"""Readiness answers 503 by design when a check fails."""


STAND_INS = {
    anchored(formats.IRI): r"^https?://[a-z]{1,8}\.example/[a-z0-9]{0,8}$",
    anchored(formats.LANGUAGE_TAG_SIMPLE): r"^[a-z]{2,3}(?:-[A-Z]{2})?$",
    anchored(formats.TIMESTAMP_FAST): (
        r"^20[0-9]{2}-(?:0[1-9]|1[0-2])-(?:0[1-9]|1[0-9]|2[0-8])T(?:[01][0-9]|2[0-3])"
        r":[0-5][0-9]:[0-5][0-9](?:\.[0-9]{1,3})?(?:Z|\+0[0-9]:[03]0|-0[1-9]:[03]0)$"
    ),
    anchored(formats.DURATION): r"^P(?:[0-9]{1,2}D)?T(?:[0-9]{1,2}H)?[0-9]{1,3}(?:\.[0-9]{1,2})?S$",
}
"""Generation stand-ins for the document's huge patterns (RFC 3987 IRIs, BCP 47 language tags,
RFC 3339 timestamps, ISO 8601 durations): Hypothesis takes minutes to build strategies for
those. Every stand-in matches only strings the real pattern accepts (tested below), and the
served app still validates every request against the real patterns."""
LONG_PATTERN = 300
"""Characters from which a pattern must have a stand-in (or generation gets slow)."""


def _stand_in(pattern: str) -> str:
    if len(pattern) < LONG_PATTERN:
        return pattern
    assert pattern in STAND_INS, f"give this pattern a generation stand-in: {pattern[:80]}..."
    return STAND_INS[pattern]


def _simplified(node: Any) -> Any:
    """The document with each huge pattern (`pattern` values, `patternProperties` keys)
    replaced by its stand-in."""
    if isinstance(node, dict):
        return {
            key: (
                _stand_in(value)
                if key == "pattern" and isinstance(value, str)
                else {_stand_in(k): _simplified(v) for k, v in value.items()}
                if key == "patternProperties" and isinstance(value, dict)
                else _simplified(value)
            )
            for key, value in node.items()
        }
    if isinstance(node, list):
        return [_simplified(item) for item in node]
    return node


@pytest.mark.parametrize("real", sorted(STAND_INS))
def test_stand_ins_generate_only_what_the_real_pattern_accepts(real: str) -> None:
    """A stand-in may narrow what the fuzzer sends as valid, never widen it."""
    accepts = re.compile(real)

    @fuzz_settings(scale=25)
    @given(st.from_regex(STAND_INS[real]))
    def run(value: str) -> None:
        assert accepts.match(value), value

    run()


@pytest.fixture(scope="module")
def schema(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BaseSchema]:
    """The served document, on the app it came from (whose lifespan schemathesis runs)."""
    app = fuzz_app(tmp_path_factory.mktemp("fuzz-openapi"))
    try:
        with get_client(app) as client:  # type: ignore[arg-type]
            served = client.get("/openapi.json")
        assert served.status_code == 200
        listed = {
            (method.upper(), path)
            for path, operations in served.json()["paths"].items()
            if path.startswith(PREFIX + "/")
            for method in operations
        }
        assert listed == set(XAPI_OPERATIONS)
        loaded = schemathesis.openapi.from_dict(_simplified(served.json()))
        loaded.app = app
        yield loaded
    finally:
        shutdown_lifespans()


def _strategy(operation: Operation) -> st.SearchStrategy[Case]:
    return st.one_of(
        operation.as_strategy(generation_mode=GenerationMode.POSITIVE),
        operation.as_strategy(generation_mode=GenerationMode.NEGATIVE),
    )


AUTHORIZATIONS = st.sampled_from([BASIC] * 6 + ["", "Basic Og==", "Basic %%%", "Bearer x"])
"""Mostly the test credential, sometimes a missing, empty, malformed or foreign one (AU-2)."""


def _send(case: Case, authorization: str) -> Response:
    """One request; a request that never answers fails as a hang."""
    CASES["openapi"] += 1
    return case.call(headers={"Authorization": authorization}, timeout=REQUEST_TIMEOUT)


def _check_no_server_error(case: Case, response: Response) -> None:
    key = (case.method.upper(), case.path, response.status_code)
    assert response.status_code < 500 or key in DOCUMENTED_5XX, (
        f"{case.method} {case.formatted_path} answered {response.status_code}: "
        f"{response.content[:300]!r}\n{case.as_curl_command()}"
    )


@pytest.mark.parametrize(("method", "path"), XAPI_OPERATIONS)
def test_xapi_operation_survives_fuzzing(schema: BaseSchema, method: str, path: str) -> None:
    """T-2, T-21: any request gets a documented 2xx/4xx with the version header."""
    operation = schema[path][method]

    @fuzz_settings()
    @given(case=_strategy(operation), authorization=AUTHORIZATIONS)
    def run(case: Case, authorization: str) -> None:
        response = _send(case, authorization)
        _check_no_server_error(case, response)
        assert VERSION_HEADER.lower() in response.headers, f"{method} {path} {response.status_code}"
        case.validate_response(
            response, checks=[status_code_conformance, response_headers_conformance]
        )

    run()


def test_other_operations_survive_fuzzing(schema: BaseSchema) -> None:
    """Operations, admin and outcome routes: no 5xx and no hang for any request."""
    loaded = list(schema.get_all_operations())
    assert all(isinstance(result, Ok) for result in loaded)
    operations = [result.ok() for result in loaded if isinstance(result, Ok)]
    others = [op for op in operations if not op.path.startswith(PREFIX + "/")]
    assert others
    for operation in others:

        @fuzz_settings(scale=0.5)
        @given(case=_strategy(operation), authorization=AUTHORIZATIONS)
        def run(case: Case, authorization: str) -> None:
            _check_no_server_error(case, _send(case, authorization))

        run()

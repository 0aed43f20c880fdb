"""Stamping a statement already serialized gives the bytes stamping its dict gives (SR-11,
SR-12): a statement writer process stores statements without parsing them again."""

from __future__ import annotations

from typing import Any

import orjson
from hypothesis import given
from hypothesis import strategies as st

from service.xapi.preparation import prepare_statement
from service.xapi.statement_batch import stamped, stamped_body
from tests.reliability.statement_strategies import valid_statements

AUTHORITY = {"objectType": "Agent", "mbox": "mailto:lrs@example.org"}
STORED = "2026-12-05T10:00:00.123Z"


@given(valid_statements(), st.booleans())
def test_sr11_stamped_body_equals_the_stamped_statement(
    statement: dict[str, Any], drop_timestamp: bool
) -> None:
    if drop_timestamp:
        statement.pop("timestamp", None)
    prepared = prepare_statement(statement, version="2.0.0", authority=AUTHORITY).statement
    body = orjson.dumps(prepared)
    expected = orjson.dumps(stamped(prepared, STORED))
    assert stamped_body(body, STORED, has_timestamp="timestamp" in prepared) == expected

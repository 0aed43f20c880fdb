"""Forwarding target ids beyond 64 bits are a 400, not a store error (found by fuzzing, issue 9)."""

from __future__ import annotations

import pytest
from fastapi import FastAPI

from tests.conftest import client_for

HUGE = str(2**63)


@pytest.mark.parametrize(
    ("method", "url", "body"),
    [
        ("DELETE", f"/admin/tenants/default/forwarding/{HUGE}", None),
        ("PATCH", f"/admin/tenants/default/forwarding/{HUGE}", {"enabled": False}),
        ("GET", f"/admin/tenants/default/dead-letters?target_id={HUGE}", None),
        ("GET", "/admin/tenants/default/dead-letters?limit=%C2%B2", None),
        ("POST", "/admin/tenants/default/dead-letters/requeue", {"target_id": 2**63}),
        ("POST", "/admin/tenants/default/dead-letters/requeue", {"target_id": -1}),
    ],
)
async def test_out_of_range_target_id_is_a_bad_request(
    app: FastAPI, method: str, url: str, body: object
) -> None:
    async with client_for(app, None) as client:
        answer = await client.request(method, url, json=body)
    assert answer.status_code == 400, answer.text


async def test_largest_target_id_is_simply_not_found(app: FastAPI) -> None:
    async with client_for(app, None) as client:
        answer = await client.delete(f"/admin/tenants/default/forwarding/{2**63 - 1}")
    assert answer.status_code == 404, answer.text

"""Helpers of the outcome tests: maps, uploads and waiting for evaluation over HTTP."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from tests.builders import activity, agent, statement

ADL = "http://adlnet.gov/expapi/verbs/"
PASSED = ADL + "passed"
COMPLETED = ADL + "completed"
COURSE = "http://example.org/act/"


def one_outcome_map(criteria: dict[str, Any], **outcome: Any) -> dict[str, Any]:
    """A map with one outcome `o1` over the given criteria group."""
    return {
        "name": "Test map",
        "kpis": [{"id": "revenue", "name": "Revenue"}],
        "outcomes": [{"id": "o1", "name": "Outcome one", "criteria": criteria, **outcome}],
    }


def passed(
    who: str = "ann", slug: str = "m1", *, scaled: float | None = None, **extra: Any
) -> dict[str, Any]:
    """A `passed` statement by a learner on an activity."""
    built = statement(actor=agent(who), obj=activity(slug), **extra)
    built["verb"] = {"id": PASSED, "display": {"en-US": "passed"}}
    if scaled is not None:
        built.setdefault("result", {})["score"] = {"scaled": scaled}
    return built


async def post_statements(client: httpx.AsyncClient, *statements: dict[str, Any]) -> None:
    response = await client.post(
        "/xapi/statements",
        json=list(statements),
        headers={"X-Experience-API-Version": "2.0.0"},
    )
    assert response.status_code == 200, response.text


async def put_map(client: httpx.AsyncClient, outcome_map: dict[str, Any]) -> int:
    response = await client.put("/outcomes/map", json=outcome_map)
    assert response.status_code == 201, response.text
    version: int = response.json()["version"]
    return version


async def settle(client: httpx.AsyncClient, seconds: float = 10.0) -> None:
    """Wait until every live map version is current with nothing pending (as a user would)."""
    deadline = asyncio.get_running_loop().time() + seconds
    while True:
        response = await client.get("/outcomes/map/evaluation")
        assert response.status_code == 200, response.text
        versions = response.json()["versions"]
        if versions and all(
            v["status"] == "current" and v["pending_statements"] == 0 for v in versions
        ):
            return
        assert asyncio.get_running_loop().time() < deadline, versions
        await asyncio.sleep(0.02)


async def attainments(client: httpx.AsyncClient, **params: str) -> list[dict[str, Any]]:
    await settle(client)
    response = await client.get("/outcomes/attainments", params=params)
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()["attainments"]
    return found


def learners(found: list[dict[str, Any]]) -> list[str]:
    return sorted(a["learner"] for a in found)

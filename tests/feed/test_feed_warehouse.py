"""A warehouse rebuilt from the feed alone equals the LRS's own view (issue 19, "done when"):
8 clients post, void some of their statements and one person is erased while a reader pulls
small pages; every statement appears once, every void and erasure after what it concerns."""

from __future__ import annotations

import asyncio
from typing import Any

import orjson
from fastapi import FastAPI

from tests.builders import agent, statement, voiding
from tests.conftest import client_for
from tests.feed.test_feed import FEED, STATEMENTS, pull_until
from tests.tenancy_support import client, issue

VICTIM = agent("vera")


def rebuild(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Apply feed rows in order to a table keyed by statement id, as a warehouse would."""
    table: dict[str, dict[str, Any]] = {}
    for row in rows:
        if row["kind"] == "statement":
            table[row["id"]] = {"body": orjson.loads(row["statement"]), "voided": False}
        elif row["kind"] == "void" and row["id"] in table:
            table[row["id"]]["voided"] = True
        elif row["kind"] == "erasure" and row["erasure_action"] == "deleted":
            table.pop(row["id"], None)
        elif row["kind"] == "erasure" and row["id"] in table:
            table[row["id"]]["body"] = orjson.loads(row["statement"])
    return table


async def lrs_view(app: FastAPI) -> dict[str, dict[str, Any]]:
    """Every statement the LRS shows, voided or not, by id."""
    found: dict[str, dict[str, Any]] = {}
    async with client_for(app, "2.0.0") as c:
        path = STATEMENTS + "?limit=200"
        while path:
            page = (await c.get(path)).json()
            for body in page["statements"]:
                found[body["id"]] = {"body": body, "voided": False}
            path = page["more"]
    return found


async def test_a_warehouse_rebuilt_from_the_feed_equals_the_lrs(app: FastAPI) -> None:
    admin = await issue(app, scopes=("admin",), name="dpo")
    async with client_for(app, "2.0.0") as c:
        mentioned = [
            statement(actor=VICTIM),
            statement(actor=agent("tom"), context={"instructor": VICTIM}),
        ]
        assert (await c.post(STATEMENTS, json=mentioned)).status_code == 200
    voided_ids: list[str] = []
    done = asyncio.Event()

    async def writer(n: int) -> None:
        async with client_for(app, "2.0.0") as c:
            for i in range(5):
                batch = [statement(actor=agent(f"w{n}"), verb=f"v{i}") for _ in range(1 + i % 3)]
                assert (await c.post(STATEMENTS, json=batch)).status_code == 200
                if i % 2 == 1:
                    assert (await c.post(STATEMENTS, json=voiding(batch[0]["id"]))).is_success
                    voided_ids.append(batch[0]["id"])

    async def eraser() -> None:
        await asyncio.sleep(0.05)
        async with client(app, admin) as ops:
            erased = await ops.post("/admin/tenants/default/erasures", json={"agent": VICTIM})
            assert erased.status_code == 201, erased.text

    reading = asyncio.create_task(pull_until(app, done, limit=5, pause=0.005))
    await asyncio.gather(*(writer(n) for n in range(8)), eraser())
    done.set()
    rows = await reading

    ids = [row["id"] for row in rows if row["kind"] == "statement"]
    assert len(ids) == len(set(ids))
    position = {row["id"]: index for index, row in enumerate(rows) if row["kind"] == "statement"}
    for index, row in enumerate(rows):
        if row["kind"] == "void":
            assert position[row["id"]] < index
            assert position[row["voiding_statement_id"]] < index
        if row["kind"] == "erasure" and row["id"] in position:
            assert position[row["id"]] < index
    warehouse = rebuild(rows)
    lrs = await lrs_view(app)
    shown = {key: value for key, value in warehouse.items() if not value["voided"]}
    assert shown == lrs  # same ids, same bodies: the erased one gone, the instructor redacted
    assert {key for key, value in warehouse.items() if value["voided"]} == set(voided_ids)
    assert mentioned[0]["id"] not in warehouse
    assert "vera@example.org" not in orjson.dumps(warehouse).decode()
    async with client_for(app, "2.0.0") as c:
        for voided in voided_ids:
            answer = await c.get(STATEMENTS, params={"voidedStatementId": voided})
            assert answer.status_code == 200
        assert (await c.get(FEED)).status_code == 200

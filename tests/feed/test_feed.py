"""The change feed (issue 19): commit order, cursors, voids, tombstones, attainments, restarts.

Runs on every store kind (STORE_KINDS): SQLite, and MongoDB when the test server is set.
"""

from __future__ import annotations

import asyncio
import csv
import io
from pathlib import Path
from typing import Any

import httpx
import orjson
from fastapi import FastAPI

from service.app import create_app
from service.outcomes.export import FEED_COLUMNS
from service.settings import Settings
from tests.builders import agent, statement, voiding
from tests.conftest import client_for
from tests.outcomes.support import (
    PASSED,
    one_outcome_map,
    passed,
    post_statements,
    put_map,
    settle,
)
from tests.tenancy_support import client, issue

FEED = "/exports/feed.ndjson"
STATEMENTS = "/xapi/statements"


async def pull_all(
    c: httpx.AsyncClient, cursor: str = "", limit: int = 7
) -> tuple[list[dict[str, Any]], str]:
    """Pull pages until one comes back empty; every row and the last cursor."""
    rows: list[dict[str, Any]] = []
    while True:
        response = await c.get(FEED, params={"cursor": cursor, "limit": str(limit)})
        assert response.status_code == 200, response.text
        page = [orjson.loads(line) for line in response.content.splitlines()]
        following = response.headers["X-Next-Cursor"]
        if page:
            assert page[-1]["cursor"] == following
        assert following >= cursor
        rows += page
        if not page:
            return rows, following
        cursor = following


async def pull_until(
    app: FastAPI, done: asyncio.Event, limit: int, pause: float
) -> list[dict[str, Any]]:
    """Pull pages of `limit` while writers run, and once more after `done` is set: every row."""
    seen: list[dict[str, Any]] = []
    cursor = ""
    async with client_for(app, "2.0.0") as c:
        while True:
            finished = done.is_set()
            page, cursor = await pull_all(c, cursor, limit=limit)
            seen += page
            if finished:
                return seen
            await asyncio.sleep(pause)


def statement_ids(rows: list[dict[str, Any]]) -> list[str]:
    return [row["id"] for row in rows if row["kind"] == "statement"]


async def test_feed_rows_in_commit_order_with_voids_and_tombstones(app: FastAPI) -> None:
    """SR-20, SR-22: a void row follows both statements it concerns; erasure leaves tombstones
    that follow their statements and never name the person."""
    early_void_target = statement(actor=agent("bob"))
    first = [statement(actor=agent("erin")), statement(actor=agent("bob"))]
    async with client_for(app, "2.0.0") as c:
        assert (await c.post(STATEMENTS, json=first)).status_code == 200
        assert (await c.post(STATEMENTS, json=voiding(first[1]["id"]))).status_code == 200
        assert (await c.post(STATEMENTS, json=voiding(early_void_target["id"]))).status_code == 200
        assert (await c.post(STATEMENTS, json=early_void_target)).status_code == 200
        helped = statement(actor=agent("olga"), context={"instructor": agent("erin")})
        assert (await c.post(STATEMENTS, json=helped)).status_code == 200
        rows, cursor = await pull_all(c, limit=2)
        cursors = [row["cursor"] for row in rows]
        assert cursors == sorted(set(cursors))  # strictly increasing
        assert [r["kind"] for r in rows] == [
            "statement", "statement", "statement", "void", "statement", "statement", "void",
            "statement",
        ]  # fmt: skip
        assert rows[3]["id"] == first[1]["id"]
        assert rows[6]["id"] == early_void_target["id"]
        assert orjson.loads(rows[0]["statement"])["id"] == first[0]["id"]
        assert list(rows[0]) == list(FEED_COLUMNS)
        again, same = await pull_all(c, cursor)
        assert (again, same) == ([], cursor)
    admin = await issue(app, scopes=("admin",), name="dpo")
    async with client(app, admin) as ops:
        erased = await ops.post("/admin/tenants/default/erasures", json={"agent": agent("erin")})
        assert erased.status_code == 201, erased.text
    async with client_for(app, "2.0.0") as c:
        after, _ = await pull_all(c, cursor)
    assert {(r["kind"], r["id"], r["erasure_action"]) for r in after} == {
        ("erasure", first[0]["id"], "deleted"),
        ("erasure", helped["id"], "pseudonymised"),
    }
    assert "erin@example.org" not in orjson.dumps(after).decode()
    redacted = next(r for r in after if r["erasure_action"] == "pseudonymised")
    assert redacted["actor_id"] == "mailto:olga@example.org"
    assert redacted["statement"] is not None


async def test_feed_csv_and_bad_cursor(app: FastAPI) -> None:
    async with client_for(app, "2.0.0") as c:
        assert (await c.post(STATEMENTS, json=statement(actor=agent("=cmd")))).status_code == 200
        response = await c.get("/exports/feed.csv", params={"limit": "10"})
        assert response.status_code == 200
        rows = list(csv.DictReader(io.StringIO(response.text)))
        assert tuple(rows[0]) == FEED_COLUMNS
        assert rows[0]["actor_name"] == "'=Cmd"  # the formula-injection guard holds here too
        assert rows[0]["cursor"] == response.headers["X-Next-Cursor"]
        bad_cursors = (
            {"cursor": "nope"},
            {"cursor": "f" * 41},
            {"cursor": "0" * 16 + "2" + "0" * 24},
        )
        for bad in (*bad_cursors, {"limit": "0"}, {"limit": "x"}, {"since": "1"}):
            answer = await c.get(FEED, params=bad)
            assert answer.status_code == 400, bad
            assert answer.json()["error"] is True


async def test_concurrent_ingest_union_is_everything_exactly_once(app: FastAPI) -> None:
    """8 writers post while a reader pulls small pages: every committed statement appears once."""
    posted: list[str] = []
    done = asyncio.Event()

    async def writer(n: int) -> None:
        async with client_for(app, "2.0.0") as c:
            for i in range(6):
                batch = [statement(actor=agent(f"w{n}x{i}")) for _ in range(1 + (n + i) % 3)]
                assert (await c.post(STATEMENTS, json=batch)).status_code == 200
                posted.extend(s["id"] for s in batch)

    reading = asyncio.create_task(pull_until(app, done, limit=3, pause=0))
    await asyncio.gather(*(writer(n) for n in range(8)))
    done.set()
    seen = await reading
    ids = statement_ids(seen)
    assert len(ids) == len(set(ids))
    assert set(ids) == set(posted)


async def test_cursor_survives_a_restart(settings: Settings) -> None:
    before = [statement(actor=agent(f"a{i}")) for i in range(5)]
    after = [statement(actor=agent(f"b{i}")) for i in range(4)]
    application = create_app(settings)
    async with (
        application.router.lifespan_context(application),
        client_for(application, "2.0.0") as c,
    ):
        assert (await c.post(STATEMENTS, json=before)).status_code == 200
        first, cursor = await pull_all(c, limit=2)
    assert statement_ids(first) == [s["id"] for s in before]
    application = create_app(settings)
    async with (
        application.router.lifespan_context(application),
        client_for(application, "2.0.0") as c,
    ):
        assert (await c.post(STATEMENTS, json=after)).status_code == 200
        rest, _ = await pull_all(c, cursor, limit=2)
    assert statement_ids(rest) == [s["id"] for s in after]


async def test_read_mine_credential_cannot_pull_the_feed(app: FastAPI, tmp_path: Path) -> None:
    mine = await issue(app, scopes=("export", "statements/read/mine"), name="mine")
    async with client(app, mine) as c:
        assert (await c.get(FEED)).status_code == 403


async def test_attainments_and_their_retraction_follow_in_the_feed(app: FastAPI) -> None:
    """An outcome attained shows as an `attainment` row naming learner and outcome; voiding its
    only evidence (SR-20) shows as `attainment_retracted`; nothing twice, on every store."""
    ann, bob = passed("ann"), passed("bob")
    criteria = {"all": [{"verbs": [PASSED]}]}
    async with client_for(app, None) as api, client_for(app, "2.0.0") as c:
        await put_map(api, one_outcome_map(criteria))
        await post_statements(c, ann, bob)
        await settle(api)
        rows, cursor = await pull_all(c)
        attained = [r for r in rows if r["kind"] == "attainment"]
        assert sorted((r["learner"], r["outcome"]) for r in attained) == [
            ("mailto:ann@example.org", "o1"),
            ("mailto:bob@example.org", "o1"),
        ]
        assert {r["outcome_name"] for r in attained} == {"Outcome one"}
        assert all(r["evidence_count"] == 1 for r in attained)
        assert (await c.post(STATEMENTS, json=voiding(bob["id"]))).status_code == 200
        await settle(api)
        after, _ = await pull_all(c, cursor)
    assert [(r["kind"], r.get("learner")) for r in after if r["kind"] != "statement"] == [
        ("void", None),
        ("attainment_retracted", "mailto:bob@example.org"),
    ]


async def test_an_erased_learners_attainments_leave_the_feed(app: FastAPI) -> None:
    """Erasing a learner (issue 5) removes their `attainment` rows from a pull from the start
    and leaves one `erasure` row per change, naming only its `change_id`; rows after it
    follow as before, on every store."""
    criteria = {"all": [{"verbs": [PASSED]}]}
    async with client_for(app, None) as api, client_for(app, "2.0.0") as c:
        await put_map(api, one_outcome_map(criteria))
        await post_statements(c, passed("erin"), passed("ann"))
        await settle(api)
        before, cursor = await pull_all(c)
    erins = [r["change_id"] for r in before if r.get("learner") == "mailto:erin@example.org"]
    assert len(erins) == 1
    assert isinstance(erins[0], int)
    admin = await issue(app, scopes=("admin",), name="dpo")
    async with client(app, admin) as ops:
        erased = await ops.post("/admin/tenants/default/erasures", json={"agent": agent("erin")})
        assert erased.status_code == 201, erased.text
    async with client_for(app, None) as api, client_for(app, "2.0.0") as c:
        await post_statements(c, passed("bob"))
        await settle(api)
        after, _ = await pull_all(c, cursor)
        everything, _ = await pull_all(c)
    dropped = [r for r in after if r.get("erasure_action") == "attainment_deleted"]
    assert [(r["kind"], r["change_id"], r["id"], r["learner"]) for r in dropped] == [
        ("erasure", erins[0], None, None)
    ]
    assert [r["learner"] for r in after if r["kind"] == "attainment"] == ["mailto:bob@example.org"]
    assert "erin@example.org" not in orjson.dumps(after).decode()
    assert "erin@example.org" not in orjson.dumps(everything).decode()
    assert sorted(r["learner"] for r in everything if r["kind"] == "attainment") == [
        "mailto:ann@example.org",
        "mailto:bob@example.org",
    ]
    assert erins[0] in {r["change_id"] for r in everything if r["kind"] == "erasure"}
    async with client(app, admin) as ops:
        again = await ops.post("/admin/tenants/default/erasures", json={"agent": agent("erin")})
        assert again.status_code == 201, again.text
    async with client_for(app, "2.0.0") as c:
        assert (await pull_all(c, everything[-1]["cursor"]))[0] == []  # a repeat adds nothing

"""Scopes per resource (AU-3, AU-5): 403 without the scope, `mine` and `define` semantics."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from fastapi import FastAPI

from tests.builders import activity, agent, statement
from tests.tenancy_support import STATEMENTS, client, issue

pytestmark = pytest.mark.asyncio
PERSON = orjson.dumps(agent("kim")).decode()
ACT = activity("scoped")["id"]
STATE = {"activityId": ACT, "agent": PERSON, "stateId": "s"}
ACTIVITY_PROFILE = {"activityId": ACT, "profileId": "p"}
AGENT_PROFILE = {"agent": PERSON, "profileId": "p"}

# (method, path, params, body, scopes that allow it)
CASES: list[tuple[str, str, dict[str, str], Any, set[str]]] = [
    ("POST", STATEMENTS, {}, "statement", {"statements/write", "all"}),
    ("GET", STATEMENTS, {}, None, {"statements/read", "statements/read/mine", "all/read", "all"}),
    ("PUT", "/xapi/activities/state", STATE, {"a": 1}, {"state", "all"}),
    ("GET", "/xapi/activities/state", STATE, None, {"state", "all/read", "all"}),
    ("DELETE", "/xapi/activities/state", STATE, None, {"state", "all"}),
    ("PUT", "/xapi/activities/profile", ACTIVITY_PROFILE, {"a": 1}, {"profile", "all"}),
    ("GET", "/xapi/activities/profile", ACTIVITY_PROFILE, None, {"profile", "all/read", "all"}),
    ("PUT", "/xapi/agents/profile", AGENT_PROFILE, {"a": 1}, {"profile", "all"}),
    ("GET", "/xapi/agents/profile", AGENT_PROFILE, None, {"profile", "all/read", "all"}),
    (
        "GET",
        "/xapi/activities",
        {"activityId": ACT},
        None,
        {"statements/read", "all/read", "all", "profile"},
    ),
    (
        "GET",
        "/xapi/agents",
        {"agent": PERSON},
        None,
        {"statements/read", "all/read", "all", "profile"},
    ),
    ("GET", "/admin/credentials", {}, None, {"admin", "operator"}),
    ("GET", "/admin/tenants", {}, None, {"admin", "operator"}),
]
PROBE_SCOPES = (
    "statements/write",
    "statements/read",
    "statements/read/mine",
    "state",
    "profile",
    "all/read",
    "all",
    "outcomes/read",
    "export",
    "admin",
)


async def test_every_resource_checks_its_scope_au3(app: FastAPI) -> None:
    """Each credential holding one scope gets 403 exactly where that scope does not reach."""
    for scope in PROBE_SCOPES:
        who = await issue(app, scopes=(scope,), name=scope)
        async with client(app, who) as c:
            for method, path, params, body, allowed in CASES:
                content = orjson.dumps(statement() if body == "statement" else body or None)
                response = await c.request(
                    method, path, params=params, content=content if body else None
                )
                expected_forbidden = scope not in allowed
                assert (response.status_code == 403) == expected_forbidden, (
                    scope,
                    method,
                    path,
                    response.status_code,
                    response.text,
                )


async def test_read_mine_sees_only_its_own_statements(app: FastAPI) -> None:
    """`statements/read/mine`: only statements whose authority is this credential (AU-5)."""
    mine = await issue(app, scopes=("statements/write", "statements/read/mine"), name="lms")
    other = await issue(app, scopes=("statements/write",), name="lxp")
    own = [statement(actor=agent("pat")) for _ in range(3)]
    theirs = [statement(actor=agent("pat")) for _ in range(2)]
    async with client(app, mine) as m, client(app, other) as o:
        assert (await m.post(STATEMENTS, json=own)).status_code == 200
        assert (await o.post(STATEMENTS, json=theirs)).status_code == 200
        page = (await m.get(STATEMENTS)).json()
        assert {s["id"] for s in page["statements"]} == {s["id"] for s in own}
        filtered = await m.get(STATEMENTS, params={"agent": orjson.dumps(agent("pat")).decode()})
        assert len(filtered.json()["statements"]) == 3
        foreign = await m.get(STATEMENTS, params={"statementId": theirs[0]["id"]})
        assert foreign.status_code == 404
        assert (await m.get(STATEMENTS, params={"statementId": own[0]["id"]})).status_code == 200
        paged = (await m.get(STATEMENTS, params={"limit": "2"})).json()
        rest = (await m.get(paged["more"])).json()
        assert len(paged["statements"]) + len(rest["statements"]) == 3


async def test_export_with_read_mine_exports_only_its_own_statements(app: FastAPI) -> None:
    """`export` + `statements/read/mine` used to export the whole tenant while its GET saw only
    its own statements: the statement export now honours `mine`, aggregates refuse (AU-5)."""
    mine = await issue(app, scopes=("statements/write", "statements/read/mine", "export"))
    other = await issue(app, scopes=("statements/write",), name="lxp")
    full = await issue(app, scopes=("export",), name="bi")
    own = [statement() for _ in range(2)]
    theirs = [statement() for _ in range(3)]
    async with client(app, mine) as m, client(app, other) as o, client(app, full) as bi:
        assert (await m.post(STATEMENTS, json=own)).status_code == 200
        assert (await o.post(STATEMENTS, json=theirs)).status_code == 200
        exported = await m.get("/exports/statements.ndjson")
        assert exported.status_code == 200
        ids = {orjson.loads(line)["id"] for line in exported.content.splitlines()}
        assert ids == {s["id"] for s in own}
        one = await m.get("/exports/statements.ndjson", params={"statementId": theirs[0]["id"]})
        assert one.content == b""
        csv_text = (await m.get("/exports/statements.csv")).text
        assert not any(s["id"] in csv_text for s in theirs)
        for path in ("/exports/attainments.csv", "/exports/rates.csv", "/exports/outcome-kpis.csv"):
            refused = await m.get(path)
            assert refused.status_code == 403, path
            assert "statements/read/mine" in refused.json()["message"]
        everything = await bi.get("/exports/statements.ndjson")  # export alone: the tenant
        assert len(everything.content.splitlines()) == 5


async def test_define_scope_decides_whether_definitions_are_recorded(app: FastAPI) -> None:
    """AU-5 `define`: without it the statement is stored but the activity is not (re)defined."""
    plain = await issue(app, scopes=("statements/write", "statements/read"), name="plain")
    definer = await issue(app, scopes=("statements/write", "define"), name="definer")
    undefined = activity("undefined", name={"en-US": "Never recorded"})
    defined = activity("defined", name={"en-US": "Recorded"})
    async with client(app, plain) as p, client(app, definer) as d:
        assert (await p.post(STATEMENTS, json=statement(obj=undefined))).status_code == 200
        assert (await d.post(STATEMENTS, json=statement(obj=defined))).status_code == 200
        first = await p.get("/xapi/activities", params={"activityId": undefined["id"]})
        second = await p.get("/xapi/activities", params={"activityId": defined["id"]})
        assert "definition" not in first.json()
        assert second.json()["definition"]["name"] == {"en-US": "Recorded"}


async def test_all_does_not_grant_admin(app: FastAPI) -> None:
    """`all` covers the xAPI scopes only; administration needs `admin`."""
    who = await issue(app, scopes=("all",))
    async with client(app, who) as c:
        response = await c.post("/admin/tenants", json={"name": "sneaky"})
        assert response.status_code == 403
        assert "admin" in response.json()["message"]


async def test_read_mine_is_not_inherited_through_statement_refs(app: FastAPI) -> None:
    """SR-43 propagates filters to referring statements, but never the authority (AU-5)."""
    first = await issue(app, scopes=("statements/write", "statements/read/mine"), name="first")
    second = await issue(app, scopes=("statements/write", "statements/read/mine"), name="second")
    target = statement()
    early, late = (statement(obj={"objectType": "StatementRef", "id": target["id"]}) for _ in "ab")
    async with client(app, first) as f, client(app, second) as s:
        assert (await s.post(STATEMENTS, json=early)).status_code == 200  # before its target
        assert (await f.post(STATEMENTS, json=target)).status_code == 200
        assert (await s.post(STATEMENTS, json=late)).status_code == 200  # after it
        assert [x["id"] for x in (await f.get(STATEMENTS)).json()["statements"]] == [target["id"]]
        seen = [x["id"] for x in (await s.get(STATEMENTS)).json()["statements"]]
        assert seen == [late["id"], early["id"]]

"""The console's outcome edits through the app: the map editor's problems and dry run, and
uploads checked line by line before anything is stored (issue 18)."""

from __future__ import annotations

import re
from pathlib import Path

import orjson
import pytest
from fastapi import FastAPI

from tests.builders import activity, agent, statement
from tests.conftest import client_for
from tests.console.support import browser, sign_in
from tests.outcomes.support import PASSED, one_outcome_map, passed, post_statements, put_map, settle

pytestmark = pytest.mark.asyncio
KPI_HEADER = "kpi,org_unit,period,value\n"
MAP = one_outcome_map(
    {"all": [{"id": "modules", "verbs": [PASSED], "activities": ["http://example.org/act/*"]}]}
)


@pytest.fixture
def store_url(tmp_path: Path) -> str:
    """Outcome state is kept by the SQLite store only."""
    return f"sqlite:///{tmp_path / 'lrs.sqlite3'}"


def preview_rows(page: str) -> list[list[str]]:
    table = page.split('<table id="preview">', 1)[1].split("</table>", 1)[0]
    body = table.split("<tbody>", 1)[1]
    return [re.findall(r"<td[^>]*>([^<]*)</td>", row) for row in body.split("</tr>")[:-1]]


async def test_validate_previews_matches_per_criterion_and_stores_nothing(app: FastAPI) -> None:
    async with client_for(app, None) as api:
        bob_m2 = passed("bob", "m2")
        await post_statements(api, passed("ann", "m1"), passed("ann", "m2"), passed("bob", "m1"))
        await post_statements(api, bob_m2)
        voiding = statement(
            actor=agent("admin"),
            verb="voided",
            obj={"objectType": "StatementRef", "id": bob_m2["id"]},
        )
        voiding["verb"]["id"] = "http://adlnet.gov/expapi/verbs/voided"
        await post_statements(api, voiding, statement(actor=agent("cy"), obj=activity("m1")))
    async with browser(app) as client:
        csrf = await sign_in(client)
        form = {"csrf": csrf, "syntax": "json", "document": orjson.dumps(MAP).decode()}
        page = await client.post("/console/outcomes/map", data={**form, "action": "validate"})
    assert page.status_code == 200, page.text
    assert "The map is valid: 1 outcomes." in page.text
    assert "Dry run over all 6 stored statements" in page.text
    assert preview_rows(page.text) == [["o1", "modules", "3", "2"]]  # bob's m2 was voided
    async with client_for(app, None) as api:
        versions = (await api.get("/outcomes/map/versions")).json()["versions"]
    assert versions == []


async def test_a_bad_map_lists_its_problems_at_their_paths(app: FastAPI) -> None:
    broken = one_outcome_map({"all": [{"verbs": ["not an iri"]}]}, kpis=["nope"])
    async with browser(app) as client:
        csrf = await sign_in(client)
        page = await client.post(
            "/console/outcomes/map",
            data={"csrf": csrf, "syntax": "json", "document": orjson.dumps(broken).decode()},
        )
        yaml_page = await client.post(
            "/console/outcomes/map",
            data={"csrf": csrf, "syntax": "yaml", "document": "name: [unclosed"},
        )
    assert page.status_code == 400
    assert "<code>$.outcomes[0].criteria.all[0].verbs[0]</code>" in page.text
    assert "<code>$.outcomes[0].kpis[0]</code>" in page.text
    assert yaml_page.status_code == 400
    assert "not valid YAML" in yaml_page.text


async def test_install_from_the_editor_starts_evaluation(app: FastAPI) -> None:
    async with browser(app) as client:
        csrf = await sign_in(client)
        page = await client.post(
            "/console/outcomes/map",
            data={
                "csrf": csrf,
                "syntax": "json",
                "document": orjson.dumps(MAP).decode(),
                "action": "install",
            },
        )
    assert "Installed as version 1" in page.text


async def test_uploads_are_checked_by_line_and_stored_only_when_clean(app: FastAPI) -> None:
    good = "learner,name,department\nann@example.org,Ann,Zürich\n"
    bad = good + "nobody,No One,Zürich\n"
    async with browser(app) as client:
        csrf = await sign_in(client)
        refused = await client.post(
            "/console/outcomes/upload",
            data={"csrf": csrf, "kind": "roster", "text": bad, "action": "store"},
        )
        checked = await client.post(
            "/console/outcomes/upload",
            data={"csrf": csrf, "kind": "roster", "text": good, "action": "check"},
        )
        stored = await client.post(
            "/console/outcomes/upload",
            files={"file": ("roster.csv", good.encode(), "text/csv")},
            data={"csrf": csrf, "kind": "roster", "action": "store", "mode": "replace"},
        )
        kpis = await client.post(
            "/console/outcomes/upload",
            data={
                "csrf": csrf,
                "kind": "kpis",
                "text": "kpi,org_unit,period,value\nrevenue,Zürich,2026-13,x\n",
            },
        )
    assert refused.status_code == 400
    assert "<strong>line 3</strong>, <code>learner</code>" in refused.text
    assert "nothing was stored" in refused.text
    assert "1 rows are fine" in checked.text
    assert "Stored 1 rows." in stored.text
    assert kpis.status_code == 400
    assert "line 2" in kpis.text
    async with client_for(app, None) as api:
        entries = (await api.get("/outcomes/roster")).json()["entries"]
    assert [(e["learner"], e["department"]) for e in entries] == [
        ("mailto:ann@example.org", "Zürich")
    ]


async def test_without_outcomes_scopes_the_outcome_pages_refuse(app: FastAPI) -> None:
    async with client_for(app, None) as api:
        made = await api.post(
            "/admin/credentials", json={"name": "lms", "scopes": ["statements/write"]}
        )
        issued = made.json()
    async with browser(app) as client:
        await sign_in(client, issued["key"], issued["secret"])
        page = await client.get("/console/outcomes")
        home = await client.get("/console/")
    assert page.status_code == 403
    assert home.headers["location"] == "/console/statements"


async def test_a_learners_page_shows_progress_before_attainment(app: FastAPI) -> None:
    two = one_outcome_map(
        {"all": [{"id": "modules", "verbs": [PASSED], "at_least": 2, "distinct_activities": True}]}
    )
    async with client_for(app, None) as api:
        await put_map(api, two)
        await post_statements(api, passed("ann", "m1"), passed("ann", "m1"), passed("bob", "m1"))
        await post_statements(api, passed("bob", "m2", scaled=0.9))
        await settle(api)
    async with browser(app) as client:
        await sign_in(client)
        ann = await client.get("/console/outcomes/learner?learner=ann@example.org")
        bob = await client.get("/console/outcomes/learner", params={"learner": "bob@example.org"})
    assert ann.status_code == 200, ann.text
    assert "not yet" in ann.text
    assert "Criterion modules: 1 of 2 needed" in ann.text  # the same activity twice counts once
    assert "attained" in bob.text
    assert "Criterion modules: 2 of 2 needed" in bob.text
    assert "score 90%" in bob.text


async def test_evidence_content_follows_the_statement_read_scopes(app: FastAPI) -> None:
    """`outcomes/read` alone shows the counts; the statements behind them need a read scope."""
    one = one_outcome_map({"all": [{"id": "modules", "verbs": [PASSED]}]})
    async with client_for(app, None) as api:
        await put_map(api, one)
        await post_statements(api, passed("ann", "m1", scaled=0.75))
        await settle(api)
        made = await api.post(
            "/admin/credentials", json={"name": "analyst", "scopes": ["outcomes/read"]}
        )
        analyst = made.json()
    async with browser(app) as client:
        await sign_in(client)
        full = await client.get("/console/outcomes/learner?learner=ann@example.org")
    async with browser(app) as client:
        await sign_in(client, analyst["key"], analyst["secret"])
        limited = await client.get("/console/outcomes/learner?learner=ann@example.org")
    assert "score 75%" in full.text
    assert limited.status_code == 200
    assert "Criterion modules: 1 of 1 needed" in limited.text
    assert "score 75%" not in limited.text
    assert "not readable with this credential" in limited.text

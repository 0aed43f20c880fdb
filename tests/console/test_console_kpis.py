"""The console's KPI page through the app: the impact estimates the API gives, with their
intervals, and the same honest words: too few units, a failed pre-period check, a KPI with
no values, the minimum group size; and the estimates as a CSV with a BOM (issue 18)."""

from __future__ import annotations

import csv
import dataclasses
import html
import io
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
from fastapi import FastAPI

from deploy.examples.planted import PASSED, SMALL_UNIT, World, generate, uploads
from service.app import create_app
from tests.conftest import client_for, make_settings
from tests.console.support import browser, sign_in
from tests.outcomes.support import post_statements, put_map, settle
from tests.outcomes.test_impact_api import MAP, SEED

pytestmark = pytest.mark.asyncio
REVENUE = "Product knowledge and Revenue per rep (kEUR)"
COFFEE = "Product knowledge and Office coffee"


@pytest.fixture
def store_url(tmp_path: Path) -> str:
    """Outcome state is kept by the SQLite store only."""
    return f"sqlite:///{tmp_path / 'lrs.sqlite3'}"


async def _load(app: FastAPI, world: World, the_map: dict[str, Any]) -> None:
    roster, statements, kpis = uploads(world)
    async with client_for(app, None) as api:
        assert (await api.put("/outcomes/roster", json=roster)).status_code == 200
        assert (await api.put("/outcomes/kpis", json=kpis)).status_code == 200
        await put_map(api, the_map)
        await post_statements(api, *statements)
        await settle(api)


@pytest.fixture
async def planted(tmp_path: Path) -> AsyncIterator[FastAPI]:
    """The demo's planted world (seed 7) behind the app."""
    app = create_app(make_settings(tmp_path))
    async with app.router.lifespan_context(app):
        await _load(app, generate(np.random.default_rng(SEED)), MAP)
        yield app


async def _page(app: FastAPI, path: str = "/console/outcomes/kpis") -> httpx.Response:
    async with browser(app) as client:
        await sign_in(client)
        return await client.get(path)


def _article(page: str, heading: str) -> str:
    """The text of one outcome x KPI estimate on the page, tags removed."""
    start = page.index(heading)
    end = page.find("</article>", start)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page[start:end])))


async def test_the_page_shows_what_the_api_says(planted: FastAPI) -> None:
    page = await _page(planted)
    assert page.status_code == 200, page.text
    async with client_for(planted, None) as api:
        answer = await api.get(
            "/outcomes/impact", params={"outcome": "product-knowledge", "kpi": "revenue-per-rep"}
        )
    report = answer.json()
    revenue = _article(page.text, REVENUE)
    assert report["summary"] in revenue
    assert f"Estimate {report['estimate']:+.3g} {report['ci_low']:+.3g}" in revenue
    assert f"{report['ci_high']:+.3g} no" in revenue  # the interval excludes zero
    assert "Pre-period check passed" in revenue
    assert f"{SMALL_UNIT} (12 periods): fewer than 5 people" in revenue
    assert "Minimum group size 5 people" in revenue
    assert "not proof that the programme caused it" in revenue
    coffee = _article(page.text, COFFEE)
    assert "consistent with no effect" in coffee
    assert re.search(r"Estimate [+-][\d.]+ -[\d.]+ \+[\d.]+ yes", coffee)
    assert page.text.count('class="zero"') == 2  # one interval chart per pair
    correlations = page.text.split('id="kpis"', 1)[1]
    assert "<td>Product knowledge</td><td>Revenue per rep</td>" in correlations  # names, not ids


async def test_the_estimates_download_as_csv_with_a_bom(planted: FastAPI) -> None:
    async with browser(planted) as client:
        await sign_in(client)
        answer = await client.get("/console/outcomes/impact.csv?group_by=department")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/csv")
    assert answer.content.startswith(b"\xef\xbb\xbfoutcome,outcome_name,kpi,kpi_name")
    rows = {r["kpi"]: r for r in csv.DictReader(io.StringIO(answer.content.decode("utf-8-sig")))}
    revenue, coffee = rows["revenue-per-rep"], rows["office-coffee"]
    assert float(revenue["ci_low"]) > 0
    assert float(coffee["ci_low"]) <= 0 <= float(coffee["ci_high"])
    assert revenue["pre_trend_check_passed"] == "true"
    assert revenue["left_out"].startswith(f"{SMALL_UNIT}: fewer than 5 people")
    assert revenue["min_group_size"] == "5"


async def test_too_few_units_is_a_refusal_in_words(planted: FastAPI) -> None:
    async with browser(planted) as client:
        await sign_in(client)
        page = await client.get("/console/outcomes/kpis", params={"group_by": "team"})
    assert page.status_code == 200, page.text
    text = _article(page.text, REVENUE)
    assert "No estimate: only 0 org units have KPI values" in text
    assert "at least 4 are needed" in text
    assert "Estimate \N{EN DASH} \N{EN DASH} \N{EN DASH} no estimate" in text
    assert "could not be run" in text
    assert 'class="zero"' not in page.text  # nothing to draw


async def test_a_failed_pre_period_check_is_said_plainly(tmp_path: Path) -> None:
    """Revenue that moves with next month's attainment: units were on different paths before
    they trained, which the lead test finds."""
    world = generate(np.random.default_rng(SEED))
    ahead = np.concatenate([world.rate[:, 1:], world.rate[:, -1:]], axis=1)
    anticipated = world.revenue - 8.0 * world.rate + 30.0 * ahead
    app = create_app(make_settings(tmp_path))
    async with app.router.lifespan_context(app):
        await _load(app, dataclasses.replace(world, revenue=anticipated), MAP)
        page = await _page(app)
    text = _article(page.text, REVENUE)
    assert "Pre-period check failed" in text
    assert "The pre-period check failed: KPIs already moved" in text
    assert re.search(r"Pre-period check [+-][\d.]+ \+[\d.]+ \+[\d.]+ no", text)


async def test_a_kpi_without_values_and_an_unknown_outcome(app: FastAPI) -> None:
    outcome = {"id": "product-knowledge", "name": "Product knowledge", "kpis": ["nps"]}
    no_values = {
        "name": "No KPI values",
        "kpis": [{"id": "nps", "name": "NPS"}],
        "outcomes": [{**outcome, "criteria": {"all": [{"verbs": [PASSED]}]}}],
    }
    async with client_for(app, None) as api:
        await put_map(api, no_values)
        await settle(api)
    page = await _page(app)
    assert page.status_code == 200, page.text
    assert "no observations of KPI 'nps': upload them" in html.unescape(page.text)
    bad = await _page(app, "/console/outcomes/kpis?outcome=nope")
    assert bad.status_code == 400
    assert "no outcome 'nope'" in html.unescape(bad.text)
    for query in ("lag=abc", "lag=99", "group_by=shoe_size"):
        refused = await _page(app, f"/console/outcomes/kpis?{query}")
        assert refused.status_code == 400, query
        assert refused.text.count("<article") == 0  # one message, not one per pair


async def test_a_page_estimates_at_most_twelve_pairs(app: FastAPI) -> None:
    kpis = [{"id": f"k{n:02d}", "name": f"KPI {n}"} for n in range(13)]
    many = {
        "name": "Many KPIs",
        "kpis": kpis,
        "outcomes": [
            {
                "id": "o1",
                "name": "Outcome one",
                "kpis": [k["id"] for k in kpis],
                "criteria": {"all": [{"verbs": [PASSED]}]},
            }
        ],
    }
    async with client_for(app, None) as api:
        await put_map(api, many)
        await settle(api)
    page = await _page(app)
    assert page.text.count('<article class="impact"') == 12
    assert "1 more outcome and KPI pair is not estimated on this page" in page.text
    assert "Outcome one and KPI 11" in page.text
    assert "Outcome one and KPI 12" not in page.text

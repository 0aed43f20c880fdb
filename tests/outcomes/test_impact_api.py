"""GET /outcomes/impact over the HTTP API, on the demo's planted world."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest

from deploy.examples.planted import EFFECT, PASSED, SMALL_UNIT, generate, uploads
from service.app import create_app
from service.outcomes.impact import estimate
from tests.conftest import client_for, make_settings
from tests.outcomes.support import post_statements, put_map, settle
from tests.outcomes.test_impact_estimator import panel

SEED = 7
MAP = {
    "name": "Planted",
    "kpis": [
        {"id": "revenue-per-rep", "name": "Revenue per rep", "unit": "kEUR"},
        {"id": "office-coffee", "name": "Office coffee", "higher_is_better": False},
    ],
    "outcomes": [
        {
            "id": "product-knowledge",
            "name": "Product knowledge",
            "kpis": ["revenue-per-rep", "office-coffee"],
            "criteria": {"all": [{"verbs": [PASSED]}]},
        }
    ],
}


@pytest.fixture
async def planted(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(make_settings(tmp_path))  # the default minimum group size
    roster, statements, kpis = uploads(generate(np.random.default_rng(SEED)))
    async with app.router.lifespan_context(app), client_for(app, None) as api:
        assert (await api.put("/outcomes/roster", json=roster)).status_code == 200
        assert (await api.put("/outcomes/kpis", json=kpis)).status_code == 200
        await put_map(api, MAP)
        await post_statements(api, *statements)
        await settle(api)
        yield api


async def _impact(api: httpx.AsyncClient, **params: str) -> dict[str, Any]:
    response = await api.get("/outcomes/impact", params={"outcome": "product-knowledge", **params})
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()
    return found


async def test_the_planted_effect_and_the_placebo(planted: httpx.AsyncClient) -> None:
    revenue = await _impact(planted, kpi="revenue-per-rep")
    world = generate(np.random.default_rng(SEED))
    direct = estimate(panel(world, np.round(world.revenue, 2)))  # as uploaded
    assert direct is not None
    assert revenue["estimate"] == round(direct.beta, 4)
    assert revenue["ci_low"] <= EFFECT <= revenue["ci_high"]
    assert revenue["ci_low"] > 0
    assert (revenue["n_units"], revenue["n_periods"]) == (12, 12)
    assert revenue["n_observations"] == 144
    assert revenue["method"]["name"].startswith("two-way fixed effects")
    assert "wild cluster bootstrap" in revenue["method"]["interval"]
    assert "kEUR in Revenue per rep" in revenue["summary"]
    assert "that is an improvement" in revenue["summary"]
    assert [s["org_unit"] for s in revenue["suppressed"]] == [SMALL_UNIT]
    assert SMALL_UNIT not in {row["org_unit"] for row in revenue["units"]}
    assert abs(sum(row["weight"] for row in revenue["units"]) - 1) < 1e-3
    assert any("not proof" in caveat for caveat in revenue["caveats"])
    check = revenue["pre_trend_check"]
    assert check["passed"] is True
    assert check["ci_low"] <= 0 <= check["ci_high"]
    assert revenue["caveats"][0].startswith("The pre-period check passed")
    coffee = await _impact(planted, kpi="office-coffee")
    assert coffee["ci_low"] <= 0 <= coffee["ci_high"]
    assert "consistent with no effect" in coffee["summary"]
    assert await _impact(planted, kpi="revenue-per-rep") == revenue  # seeded: reproducible


async def test_too_little_data_says_why(planted: httpx.AsyncClient) -> None:
    short = await _impact(planted, kpi="revenue-per-rep", since="2025-11")
    assert short["estimate"] is None
    assert short["ci_low"] is None
    assert short["summary"].startswith("No estimate: KPI values cover only 2 periods")
    assert short["pre_trend_check"]["passed"] is None
    assert "could not be run" in short["caveats"][0]
    narrow = await _impact(planted, kpi="revenue-per-rep", group_by="team")
    assert narrow["estimate"] is None
    assert "only 0 org units" in narrow["summary"]
    assert not any("inform the estimate" in caveat for caveat in narrow["caveats"])
    assert not any("not proof" in caveat for caveat in narrow["caveats"])


async def test_bad_questions_get_clear_answers(planted: httpx.AsyncClient) -> None:
    cases = [
        ({"kpi": "revenue-per-rep"}, 400, "outcome is required"),
        ({"outcome": "product-knowledge"}, 400, "kpi is required"),
        ({"outcome": "nope", "kpi": "revenue-per-rep"}, 400, "no outcome 'nope'"),
        ({"outcome": "product-knowledge", "kpi": "nope"}, 404, "no observations of KPI"),
        (
            {"outcome": "product-knowledge", "kpi": "revenue-per-rep", "granularity": "quarter"},
            400,
            "reported per month",
        ),
        ({"outcome": "product-knowledge", "kpi": "revenue-per-rep", "since": "2025"}, 400, "month"),
        ({"outcome": "product-knowledge", "kpi": "revenue-per-rep", "x": "1"}, 400, "unknown"),
    ]
    for params, status, words in cases:
        response = await planted.get("/outcomes/impact", params=params)
        assert response.status_code == status, (params, response.text)
        assert words in response.json()["message"], params


async def test_the_kpi_table_keeps_r_with_n_and_its_interval(planted: httpx.AsyncClient) -> None:
    table = (await planted.get("/outcomes/kpi-table")).json()
    links = {c["kpi"]: c for c in table["correlations"]}
    coffee = links["office-coffee"]
    assert coffee["n"] == 144
    assert coffee["r_ci_low"] < coffee["pearson_r"] < coffee["r_ci_high"]

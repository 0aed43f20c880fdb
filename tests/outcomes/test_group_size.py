"""The minimum group size: no aggregate figure leaves about fewer people than it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx

from service.app import create_app
from tests.conftest import client_for, make_settings
from tests.outcomes.support import PASSED, one_outcome_map, passed, post_statements, put_map, settle

SMALL, LARGE = "Legal", "Sales"  # 4 and 6 people
PEOPLE = [(f"s{i}", LARGE) for i in range(6)] + [(f"l{i}", SMALL) for i in range(4)]
ROSTER = [{"learner": f"{who}@example.org", "department": unit} for who, unit in PEOPLE]
KPIS = [
    {"kpi": "revenue", "org_unit": unit, "period": f"2026-0{month}", "value": 10 * month + i}
    for i, unit in enumerate((LARGE, SMALL))
    for month in (1, 2, 3)
]
AGGREGATES = [  # every endpoint that serves figures about groups of people
    ("/outcomes/rates", {"since": "2026-01", "until": "2026-03"}),
    ("/outcomes/kpi-table", {}),
    ("/outcomes/impact", {"outcome": "o1", "kpi": "revenue"}),
    ("/exports/rates.csv", {"since": "2026-01", "until": "2026-03"}),
    ("/exports/rates.ndjson", {"since": "2026-01", "until": "2026-03"}),
    ("/exports/outcome-kpis.csv", {}),
    ("/exports/outcome-kpis.ndjson", {}),
]


@asynccontextmanager
async def served(tmp_path: Path, **settings: Any) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(make_settings(tmp_path, **settings))
    async with app.router.lifespan_context(app), client_for(app, None) as api:
        assert (await api.put("/outcomes/roster", json=ROSTER)).status_code == 200
        assert (await api.put("/outcomes/kpis", json=KPIS)).status_code == 200
        await put_map(api, one_outcome_map({"all": [{"verbs": [PASSED]}]}, kpis=["revenue"]))
        await post_statements(
            api,
            *(
                passed(who, timestamp=f"2026-0{1 + i % 3}-10T10:00:00Z")
                for i, (who, _) in enumerate(PEOPLE)
            ),
        )
        await settle(api)
        yield api


async def test_a_unit_of_four_is_suppressed_everywhere(tmp_path: Path) -> None:
    async with served(tmp_path) as api:
        for path, params in AGGREGATES:
            response = await api.get(path, params=params)
            assert response.status_code == 200, (path, response.text)
            assert LARGE in response.text, path
            if path.startswith("/exports/"):
                assert SMALL not in response.text, path
                continue
            body = response.json()
            assert body["min_group_size"] == 5
            (hidden,) = body.pop("suppressed")
            assert SMALL not in str(body), path
            assert hidden["org_unit"] == SMALL
            assert hidden["reason"] == "fewer than 5 people: below the minimum group size"
            assert hidden["periods"] == ["2026-01", "2026-02", "2026-03"]


async def test_a_tenant_override_lowers_or_raises_the_floor(tmp_path: Path) -> None:
    async with served(tmp_path / "low", min_group_size_tenants={"default": 4}) as api:
        table = (await api.get("/outcomes/kpi-table")).json()
        assert {row["org_unit"] for row in table["rows"]} == {SMALL, LARGE}
        assert table["suppressed"] == []
    async with served(
        tmp_path / "high", min_group_size=3, min_group_size_tenants={"default": 7}
    ) as api:
        rates = (await api.get("/outcomes/rates", params=AGGREGATES[0][1])).json()
        assert rates["rows"] == []
        assert [s["org_unit"] for s in rates["suppressed"]] == [SMALL, LARGE]

"""Map authoring help: a lone criterion, and a map checked against the stored statements."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from service.settings import Settings
from tests.conftest import make_settings
from tests.outcomes.support import COURSE, PASSED, passed, post_statements, put_map, settle

ADL = "http://adlnet.gov/expapi/verbs/"


@pytest.fixture
def settings(tmp_path: Path, store_url: str) -> Settings:
    return make_settings(tmp_path, store_url=store_url)  # the default minimum group size


def _map(*criteria: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": "Authoring",
        "outcomes": [
            {"id": f"o{i}", "name": f"Outcome {i}", "criteria": c} for i, c in enumerate(criteria)
        ],
    }


async def test_a_lone_criterion_needs_no_group(api: httpx.AsyncClient) -> None:
    await put_map(api, _map({"verbs": [PASSED], "at_least": 2}))
    await post_statements(api, passed("ann", "m1"), passed("ann", "m2"), passed("bob", "m1"))
    await settle(api)
    found = (await api.get("/outcomes/attainments")).json()["attainments"]
    assert [a["learner"] for a in found] == ["mailto:ann@example.org"]
    bad = await api.post("/outcomes/map/validate", json=_map({"verbs": ["not an iri"]}))
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["path"].startswith("$.outcomes[0].criteria")
    duplicate = _map({"id": "x", "verbs": [PASSED]})
    duplicate["outcomes"][0]["level_criterion"] = "y"
    duplicate["outcomes"][0]["levels"] = [{"level": 1, "name": "One", "at_least": 1}]
    problems = (await api.post("/outcomes/map/validate", json=duplicate)).json()["errors"]
    assert problems == [
        {
            "path": "$.outcomes[0].level_criterion",
            "message": "no criterion with id 'y' in this outcome",
        }
    ]


async def test_validation_against_the_data_finds_typos(api: httpx.AsyncClient) -> None:
    await post_statements(
        api, *(passed(f"p{i}", "discovery") for i in range(6)), passed("p0", "products/1")
    )
    candidate = _map(
        {"verbs": [PASSED], "activities": [COURSE + "discovery"]},
        {"verbs": [ADL + "pased"], "activities": [COURSE + "discovry"]},
        {"verbs": [PASSED], "activities": [COURSE + "products/*"]},
        {"verbs": [PASSED], "activities": [COURSE + "product/*"]},
    )
    plain = (await api.post("/outcomes/map/validate", json=candidate)).json()
    assert plain == {"valid": True, "outcomes": 4}
    checked = await api.post("/outcomes/map/validate", json=candidate, params={"days": "30"})
    assert checked.status_code == 200, checked.text
    data = checked.json()["data"]
    assert (data["days"], data["scanned_statements"], data["complete"]) == (30, 7, True)
    rows = {row["outcome"]: row for row in data["criteria"]}
    assert (rows["o0"]["statements"], rows["o0"]["learners"], rows["o0"]["unknown"]) == (6, 6, [])
    assert rows["o1"]["statements"] == 0
    assert rows["o1"]["unknown"] == [
        {"kind": "verb", "value": ADL + "pased", "message": "no stored statement has this verb",
         "did_you_mean": PASSED},
        {"kind": "activity", "value": COURSE + "discovry",
         "message": "no stored statement has this activity", "did_you_mean": COURSE + "discovery"},
    ]  # fmt: skip
    assert rows["o2"]["statements"] == 1
    assert rows["o2"]["learners"] is None  # one learner: below the minimum group size
    assert rows["o3"]["unknown"][0]["kind"] == "activity prefix"
    bad_days = await api.post("/outcomes/map/validate", json=candidate, params={"days": "0"})
    assert bad_days.status_code == 400

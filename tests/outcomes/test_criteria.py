"""Each kind of criterion, combined with all/any, counted, windowed and levelled (issue 6)."""

from __future__ import annotations

from typing import Any

import httpx

from tests.builders import activity, agent, statement
from tests.outcomes.support import (
    COURSE,
    PASSED,
    attainments,
    learners,
    passed,
    post_statements,
    put_map,
)

EXT = "http://example.org/ext/"
ASSESSMENT = "http://adlnet.gov/expapi/activities/assessment"


def outcome(outcome_id: str, criteria: dict[str, Any], **more: Any) -> dict[str, Any]:
    return {"id": outcome_id, "name": outcome_id.title(), "criteria": criteria, **more}


def with_context(built: dict[str, Any], **activities: list[str]) -> dict[str, Any]:
    context = {role: [{"id": i} for i in ids] for role, ids in activities.items()}
    built["context"] = {"contextActivities": context}
    return built


async def by_outcome(api: httpx.AsyncClient) -> dict[str, list[str]]:
    found = await attainments(api)
    out: dict[str, list[str]] = {}
    for item in found:
        out.setdefault(item["outcome"], []).append(item["learner"].split("@")[0][7:])
    return {k: sorted(v) for k, v in out.items()}


async def test_statement_filters_of_each_kind(api: httpx.AsyncClient) -> None:
    """Verbs, ids, prefixes, types, parents, groupings, result conditions and extensions."""
    typed = passed("typ", "quiz")
    typed["object"]["definition"] = {"type": ASSESSMENT}
    slow = passed("slo", "m1")
    slow["result"] = {"duration": "PT2H"}
    quick = passed("qui", "m1")
    quick["result"] = {"duration": "PT20M", "success": True, "completion": True}
    ext = passed("ext", "m1")
    ext["context"] = {"extensions": {EXT + "region": "EMEA"}}
    ext_num = passed("exn", "m1")
    ext_num["result"] = {"extensions": {EXT + "region": 1}}
    await post_statements(
        api,
        passed("ann", "m1"),
        statement(actor=agent("bob"), obj=activity("m1"), verb="read"),
        passed("cid", "exam"),
        passed("dan", "sales/intro"),
        typed,
        with_context(passed("par", "m9"), parent=[COURSE + "prog/sales"]),
        with_context(passed("gro", "m9"), grouping=[COURSE + "prog/onboarding"]),
        passed("hig", "m1", scaled=0.9),
        passed("low", "m1", scaled=0.5),
        slow,
        quick,
        ext,
        ext_num,
    )
    await put_map(
        api,
        {
            "name": "kinds",
            "outcomes": [
                outcome("verb", {"all": [{"verbs": [PASSED]}]}),
                outcome("exact", {"all": [{"activities": [COURSE + "exam"]}]}),
                outcome("prefix", {"all": [{"activities": [COURSE + "sales/*"]}]}),
                outcome("type", {"all": [{"activity_types": [ASSESSMENT]}]}),
                outcome("parent", {"all": [{"parents": [COURSE + "prog/*"]}]}),
                outcome("grouping", {"all": [{"groupings": [COURSE + "prog/onboarding"]}]}),
                outcome("score", {"all": [{"result": {"min_scaled": 0.8}}]}),
                outcome("quick", {"all": [{"result": {"max_duration": "PT30M"}}]}),
                outcome("success", {"all": [{"result": {"success": True, "completion": True}}]}),
                outcome("ext", {"all": [{"extensions": {EXT + "region": "EMEA"}}]}),
            ],
        },
    )
    found = await by_outcome(api)
    assert "bob" not in found["verb"]
    assert "ann" in found["verb"]
    assert found["exact"] == ["cid"]
    assert found["prefix"] == ["dan"]
    assert found["type"] == ["typ"]
    assert found["parent"] == ["par"]
    assert found["grouping"] == ["gro"]
    assert found["score"] == ["hig"]
    assert found["quick"] == ["qui"]
    assert found["success"] == ["qui"]
    assert found["ext"] == ["ext"]  # 1 is not "EMEA"; values compare as JSON


async def test_all_any_counts_and_distinct_activities(api: httpx.AsyncClient) -> None:
    """at_least N statements, distinct activities, all vs any, nested groups."""
    await post_statements(
        api,
        *[passed("rep", "m1") for _ in range(3)],  # 3 statements, 1 activity
        *[passed("dis", f"m{i}") for i in range(3)],  # 3 activities
        passed("bot", "m1"),
        statement(actor=agent("bot"), obj=activity("m1"), verb="completed"),
        statement(actor=agent("one"), obj=activity("m1"), verb="completed"),
    )
    done = {"verbs": ["http://example.org/verbs/completed"]}
    await put_map(
        api,
        {
            "name": "counting",
            "outcomes": [
                outcome("three", {"all": [{"verbs": [PASSED], "at_least": 3}]}),
                outcome(
                    "distinct",
                    {"all": [{"verbs": [PASSED], "at_least": 3, "distinct_activities": True}]},
                ),
                outcome("both", {"all": [{"verbs": [PASSED]}, done]}),
                outcome("either", {"any": [{"verbs": [PASSED], "at_least": 2}, done]}),
                outcome("nested", {"all": [done, {"any": [{"verbs": [PASSED]}, done]}]}),
            ],
        },
    )
    found = await by_outcome(api)
    assert found["three"] == ["dis", "rep"]
    assert found["distinct"] == ["dis"]
    assert found["both"] == ["bot"]
    assert found["either"] == ["bot", "dis", "one", "rep"]
    assert found["nested"] == ["bot", "one"]


async def test_time_windows(api: httpx.AsyncClient) -> None:
    """Fixed start/end windows on the statement timestamp, and `within` spans."""

    def at(who: str, slug: str, when: str) -> dict[str, Any]:
        return passed(who, slug, timestamp=when)

    await post_statements(
        api,
        at("inn", "m1", "2026-02-10T00:00:00Z"),
        at("out", "m1", "2025-12-31T23:59:59Z"),
        at("end", "m1", "2026-07-01T00:00:00Z"),  # the end is exclusive
        at("fas", "m1", "2026-01-01T00:00:00Z"),
        at("fas", "m2", "2026-01-20T00:00:00Z"),
        at("slw", "m1", "2026-01-01T00:00:00Z"),
        at("slw", "m2", "2026-03-01T00:00:00Z"),
    )
    window = {"start": "2026-01-01T00:00:00Z", "end": "2026-07-01T00:00:00Z"}
    await put_map(
        api,
        {
            "name": "windows",
            "outcomes": [
                outcome("h1", {"all": [{"verbs": [PASSED], "window": window}]}),
                outcome(
                    "month",
                    {"all": [{"verbs": [PASSED], "at_least": 2, "window": {"within": "P30D"}}]},
                ),
            ],
        },
    )
    found = await by_outcome(api)
    assert found["h1"] == ["fas", "inn", "slw"]
    assert found["month"] == ["fas"]
    month = await attainments(api, outcome="month")
    assert month[0]["attained_at"] == "2026-01-20T00:00:00.000Z"


async def test_levels_by_threshold_and_evidence(api: httpx.AsyncClient) -> None:
    """Levels follow the level criterion's count; the evidence names the statements."""
    first = [passed("lea", f"m{i}") for i in range(4)]
    await post_statements(api, *first, passed("new", "m1"))
    await put_map(
        api,
        {
            "name": "levels",
            "outcomes": [
                outcome(
                    "skill",
                    {"all": [{"id": "modules", "verbs": [PASSED], "distinct_activities": True}]},
                    levels=[
                        {"level": 1, "name": "Foundation", "at_least": 1},
                        {"level": 2, "name": "Practitioner", "at_least": 3},
                        {"level": 3, "name": "Expert", "at_least": 6},
                    ],
                    level_criterion="modules",
                )
            ],
        },
    )
    found = {a["learner"]: a for a in await attainments(api, evidence="true")}
    lea = found["mailto:lea@example.org"]
    assert (lea["level"], lea["level_name"]) == (2, "Practitioner")
    assert found["mailto:new@example.org"]["level"] == 1
    (proof,) = lea["evidence"]
    assert proof["criterion"] == "modules"
    assert proof["count"] == 4
    assert sorted(proof["statements"]) == sorted(s["id"] for s in first)
    only = await attainments(api, learner="lea@example.org")
    assert only[0]["evidence"][0]["count"] == 4  # a learner's view explains itself
    await post_statements(api, *[passed("lea", f"x{i}") for i in range(2)])
    assert (await attainments(api, learner="lea@example.org", level="3"))[0]["level"] == 3


async def test_group_actor_credits_every_member(api: httpx.AsyncClient) -> None:
    team = {"objectType": "Group", "member": [agent("gia"), agent("hal")]}
    await post_statements(api, statement(actor=team, obj=activity("m1"), verb="passed"))
    await put_map(
        api,
        {"name": "g", "outcomes": [outcome("any", {"all": [{"activities": [COURSE + "m1"]}]})]},
    )
    assert learners(await attainments(api)) == ["mailto:gia@example.org", "mailto:hal@example.org"]

"""Attainments in the change feed (issue 19): written and retracted, after their evidence."""

from __future__ import annotations

import httpx
import orjson

from tests.builders import voiding
from tests.outcomes.support import PASSED, one_outcome_map, passed, post_statements, put_map, settle


async def test_attainment_and_retraction_rows_follow_their_evidence(api: httpx.AsyncClient) -> None:
    await put_map(api, one_outcome_map({"verbs": [PASSED]}))
    proof = passed("ann", "m1")
    await post_statements(api, proof)
    await settle(api)
    await post_statements(api, voiding(proof["id"]))
    await settle(api)
    rows = []
    cursor = ""
    while True:
        response = await api.get("/exports/feed.ndjson", params={"cursor": cursor, "limit": "2"})
        page = [orjson.loads(line) for line in response.content.splitlines()]
        if not page:
            break
        rows += page
        cursor = response.headers["X-Next-Cursor"]
    kinds = [row["kind"] for row in rows]
    assert (
        kinds.index("statement") < kinds.index("attainment") < kinds.index("attainment_retracted")
    )
    attained = rows[kinds.index("attainment")]
    assert (attained["outcome"], attained["outcome_name"]) == ("o1", "Outcome one")
    assert attained["learner"] == "mailto:ann@example.org"
    assert (attained["map"], attained["map_version"], attained["evidence_count"]) == (
        "default",
        1,
        1,
    )
    retracted = rows[kinds.index("attainment_retracted")]
    assert kinds.index("void") < kinds.index("attainment_retracted")
    assert retracted["learner"] == attained["learner"]

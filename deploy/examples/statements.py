"""Statements of the sales-onboarding example: reps take product modules and role-plays.

python -m deploy.examples.statements > statements.json
"""

from __future__ import annotations

import csv
import random
import sys
import uuid
from pathlib import Path
from typing import Any

import orjson

HERE = Path(__file__).parent
ACADEMY = "https://academy.example.com/sales/"
ADL = "http://adlnet.gov/expapi/verbs/"
ENGAGEMENT = {"Sales DACH": 0.9, "Sales Nordics": 0.55, "Sales UK": 0.75, "Sales France": 0.35}


def _statement(
    rnd: random.Random,
    rep: dict[str, str],
    verb: str,
    activity: dict[str, Any],
    day: int,
    **result: Any,
) -> dict[str, Any]:
    return {
        "id": str(uuid.UUID(int=rnd.getrandbits(128), version=4)),
        "actor": {"objectType": "Agent", "name": rep["name"], "mbox": f"mailto:{rep['learner']}"},
        "verb": {"id": ADL + verb, "display": {"en-US": verb}},
        "object": {"objectType": "Activity", **activity},
        "result": result,
        "context": {
            "platform": "Example Academy",
            "contextActivities": {"grouping": [{"id": ACADEMY + "onboarding"}]},
        },
        "timestamp": f"2026-{day // 28 + 1:02d}-{day % 28 + 1:02d}T10:00:00Z",
    }


def generate(seed: int = 7) -> list[dict[str, Any]]:
    """A quarter of learning activity, more of it in the teams that engage more."""
    rnd = random.Random(seed)
    with (HERE / "roster.csv").open(encoding="utf-8") as handle:
        reps = list(csv.DictReader(handle))
    out = []
    for rep in reps:
        engagement = ENGAGEMENT[rep["department"]]
        for module in range(6):
            if rnd.random() < engagement:
                activity = {
                    "id": f"{ACADEMY}products/{module}",
                    "definition": {"name": {"en-US": f"Product module {module}"}},
                }
                score = round(min(1.0, rnd.uniform(0.6, 1.0) + engagement / 10), 2)
                out.append(
                    _statement(
                        rnd,
                        rep,
                        "passed",
                        activity,
                        rnd.randrange(80),
                        score={"scaled": score},
                        success=score >= 0.8,
                    )
                )
        if rnd.random() < engagement:
            course = {"id": ACADEMY + "discovery"}
            out.append(
                _statement(rnd, rep, "completed", course, rnd.randrange(40), completion=True)
            )
            start = rnd.randrange(40, 60)
            for play in range(2):
                sim = {
                    "id": f"{ACADEMY}role-play/{play}",
                    "definition": {"type": "http://adlnet.gov/expapi/activities/simulation"},
                }
                out.append(
                    _statement(
                        rnd, rep, "passed", sim, start + play * rnd.randrange(5, 40), success=True
                    )
                )
    return out


if __name__ == "__main__":
    sys.stdout.write(orjson.dumps(generate(), option=orjson.OPT_INDENT_2).decode() + "\n")

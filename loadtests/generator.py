"""Deterministic, realistic xAPI statements for load tests and benchmarks (seeded)."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

VERBS = ("launched", "initialized", "progressed", "completed", "passed", "failed", "answered")
ADL = "http://adlnet.gov/expapi/verbs/"
PLATFORMS = ("Moodle", "Cornerstone", "Articulate Rise", "Docebo")


class StatementGenerator:
    """Statements from many actors, courses and modules; the same seed gives the same stream."""

    def __init__(self, seed: int = 1, actors: int = 10_000, courses: int = 200) -> None:
        self._random = random.Random(seed)
        self._actors = actors
        self._courses = courses
        self._start = datetime(2026, 1, 1, tzinfo=UTC)

    def _uuid(self) -> str:
        return str(uuid.UUID(int=self._random.getrandbits(128), version=4))

    def actor(self) -> dict[str, Any]:
        n = self._random.randrange(self._actors)
        return {
            "objectType": "Agent",
            "name": f"Learner {n}",
            "mbox": f"mailto:learner{n}@example.org",
        }

    def statement(self) -> dict[str, Any]:
        """One statement of about 1 KB with result, context and a full activity definition."""
        rnd = self._random
        course = rnd.randrange(self._courses)
        module = rnd.randrange(12)
        verb = rnd.choice(VERBS)
        course_id = f"http://courses.example.org/course/{course}"
        timestamp = self._start + timedelta(seconds=rnd.randrange(300 * 86_400))
        scaled = round(rnd.random(), 4)
        return {
            "id": self._uuid(),
            "actor": self.actor(),
            "verb": {"id": ADL + verb, "display": {"en-US": verb}},
            "object": {
                "objectType": "Activity",
                "id": f"{course_id}/module/{module}",
                "definition": {
                    "name": {"en-US": f"Course {course} module {module}"},
                    "description": {"en-US": f"Module {module} of course {course}: practice."},
                    "type": "http://adlnet.gov/expapi/activities/module",
                },
            },
            "result": {
                "score": {"scaled": scaled, "raw": round(scaled * 100, 2), "min": 0, "max": 100},
                "success": scaled >= 0.6,
                "completion": verb in ("completed", "passed"),
                "duration": f"PT{rnd.randrange(1, 3600)}S",
            },
            "context": {
                "registration": self._uuid(),
                "platform": rnd.choice(PLATFORMS),
                "language": "en-US",
                "contextActivities": {
                    "parent": [{"id": course_id, "objectType": "Activity"}],
                    "grouping": [{"id": "http://courses.example.org/programme/onboarding"}],
                },
            },
            "timestamp": timestamp.isoformat().replace("+00:00", "Z"),
        }

    def batch(self, size: int) -> list[dict[str, Any]]:
        return [self.statement() for _ in range(size)]

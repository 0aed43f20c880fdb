"""Deterministic, realistic xAPI statements for load tests and benchmarks (seeded).

Four LMS platforms with their own identifier styles send course traffic from 10,000+ learners:
sessions (one registration per learner and course) of launched/initialized/progressed/answered/
completed/passed/failed/terminated statements with results and context activities, plus a few
StatementRef comments, voidings of earlier statements and attachments (by fileUrl, so a JSON
body carries them; `attachment_statement` makes one with inline data for multipart bodies).
Statements are 0.8-2 KB of JSON. The same seed gives the same stream.
"""

from __future__ import annotations

import hashlib
import random
import uuid
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

ADL = "http://adlnet.gov/expapi/verbs/"
VOIDED = ADL + "voided"
COMMENTED = ADL + "commented"
SESSION_VERBS = (
    "launched",
    "initialized",
    "progressed",
    "answered",
    "completed",
    "passed",
    "terminated",
)
VERB_WEIGHTS = (8, 8, 28, 28, 10, 7, 6)
LANGUAGES = ("en-US", "de-DE", "fr-FR", "es-ES")
ID_MARK = "ffffffff"  # first group of every generated statement id (see loadtests.bodies)


@dataclass(frozen=True, slots=True)
class Platform:
    """An LMS: how it names learners and which extensions it adds."""

    name: str
    home_page: str
    identifier: str  # mbox, account, mbox_sha1sum or openid
    extension: str


PLATFORMS = (
    Platform("Moodle 4.3", "https://moodle.example.edu", "account", "http://moodle.example.edu/x"),
    Platform("Cornerstone", "https://csod.example.com", "mbox", "http://csod.example.com/x"),
    Platform("Articulate Rise", "https://rise.example.net", "mbox_sha1sum", "http://rise.x/x"),
    Platform("Docebo", "https://docebo.example.org", "openid", "http://docebo.example.org/x"),
)


class StatementGenerator:
    """Statements from many actors, courses and modules; see the module docstring."""

    def __init__(
        self, seed: int = 1, actors: int = 12_000, courses: int = 200, voiding: bool = True
    ) -> None:
        self._random = random.Random(seed)
        self.actors = actors
        self.courses = courses
        self._voiding = voiding
        self._start = datetime(2026, 1, 1, tzinfo=UTC)
        self._recent: deque[str] = deque(maxlen=500)  # ids that comments and voidings target
        self.registrations: deque[str] = deque(maxlen=2000)

    def _uuid(self) -> str:
        return str(uuid.UUID(int=self._random.getrandbits(128), version=4))

    def _statement_id(self) -> str:
        return ID_MARK + self._uuid()[8:]

    def platform_of(self, n: int) -> Platform:
        return PLATFORMS[n % len(PLATFORMS)]

    def actor(self, n: int | None = None) -> dict[str, Any]:
        """Learner `n` (random when None) named the way its platform names people."""
        if n is None:
            n = self._random.randrange(self.actors)
        platform = self.platform_of(n)
        agent: dict[str, Any] = {"objectType": "Agent", "name": f"Learner {n}"}
        if platform.identifier == "account":
            agent["account"] = {"homePage": platform.home_page, "name": f"user{n}"}
        elif platform.identifier == "mbox":
            agent["mbox"] = f"mailto:learner{n}@example.org"
        elif platform.identifier == "mbox_sha1sum":
            agent["mbox_sha1sum"] = hashlib.sha1(f"mailto:l{n}@x.org".encode()).hexdigest()
        else:
            agent["openid"] = f"https://id.example.org/learner/{n}"
        return agent

    def course_id(self, course: int) -> str:
        return f"http://courses.example.org/course/{course}"

    def module_id(self, course: int, module: int) -> str:
        return f"{self.course_id(course)}/module/{module}"

    def registration(self, actor: int, course: int) -> str:
        """The registration of a learner's enrolment in a course (stable for that pair)."""
        digest = hashlib.md5(f"{actor}/{course}".encode()).hexdigest()
        return str(uuid.UUID(hex=digest, version=4))

    def _activity(self, course: int, module: int, verb: str) -> dict[str, Any]:
        name = f"Course {course} module {module}"
        definition: dict[str, Any] = {
            "name": {"en-US": name},
            "description": {"en-US": f"Module {module} of course {course}: lessons and practice."},
            "type": "http://adlnet.gov/expapi/activities/module",
        }
        activity_id = self.module_id(course, module)
        if verb == "answered":
            activity_id += f"/question/{self._random.randrange(8)}"
            definition["name"] = {"en-US": f"{name} question"}
            definition["type"] = "http://adlnet.gov/expapi/activities/cmi.interaction"
            definition["interactionType"] = "choice"
            definition["correctResponsesPattern"] = ["b"]
            definition["choices"] = [
                {"id": c, "description": {"en-US": f"Option {c.upper()} of question {module}"}}
                for c in "abcd"
            ]
        return {"objectType": "Activity", "id": activity_id, "definition": definition}

    def statement(self) -> dict[str, Any]:
        """One statement: mostly session traffic, a few comments and voidings (0.8-2 KB)."""
        roll = self._random.random()
        if self._voiding and self._recent and roll < 0.01:
            return self._voiding_statement()
        if self._recent and roll < 0.03:
            return self._comment()
        return self._session_statement()

    def _session_statement(self) -> dict[str, Any]:
        rnd = self._random
        actor = rnd.randrange(self.actors)
        course = rnd.randrange(self.courses)
        module = rnd.randrange(12)
        verb = rnd.choices(SESSION_VERBS, VERB_WEIGHTS)[0]
        if verb == "passed" and rnd.random() < 0.3:
            verb = "failed"
        platform = self.platform_of(actor)
        registration = self.registration(actor, course)
        self.registrations.append(registration)
        statement: dict[str, Any] = {
            "id": self._statement_id(),
            "actor": self.actor(actor),
            "verb": {"id": ADL + verb, "display": {"en-US": verb}},
            "object": self._activity(course, module, verb),
            "context": {
                "registration": registration,
                "platform": platform.name,
                "language": rnd.choice(LANGUAGES),
                "contextActivities": {
                    "parent": [{"id": self.course_id(course), "objectType": "Activity"}],
                    "grouping": [{"id": f"http://courses.example.org/programme/{course % 9}"}],
                    "category": [{"id": "https://w3id.org/xapi/cmi5/context/categories/cmi5"}],
                },
                "extensions": {platform.extension + "/session": self._uuid()[:13]},
            },
            "timestamp": self._timestamp(),
        }
        if verb in ("progressed", "answered", "completed", "passed", "failed"):
            statement["result"] = self._result(verb)
        if rnd.random() < 0.02:
            statement["attachments"] = [self._file_attachment()]
        self._recent.append(statement["id"])
        return statement

    def _result(self, verb: str) -> dict[str, Any]:
        rnd = self._random
        scaled = round(rnd.random(), 4)
        result: dict[str, Any] = {
            "score": {"scaled": scaled, "raw": round(scaled * 100, 2), "min": 0, "max": 100},
            "success": verb != "failed" and scaled >= 0.6,
            "completion": verb in ("completed", "passed", "failed"),
            "duration": f"PT{rnd.randrange(1, 3600)}S",
        }
        if verb == "answered":
            result["response"] = rnd.choice("abcd")
        if verb == "progressed":
            result["extensions"] = {"https://w3id.org/xapi/cmi5/result/extensions/progress": 50}
        return result

    def _comment(self) -> dict[str, Any]:
        """A StatementRef object: a learner comments on an earlier statement."""
        return {
            "id": self._statement_id(),
            "actor": self.actor(),
            "verb": {"id": COMMENTED, "display": {"en-US": "commented"}},
            "object": {"objectType": "StatementRef", "id": self._random.choice(self._recent)},
            "result": {"response": "Thanks, this module was clear and well paced. " * 3},
            "timestamp": self._timestamp(),
        }

    def _voiding_statement(self) -> dict[str, Any]:
        """The LMS voids a statement it sent earlier (never another voiding statement)."""
        target = self._recent.popleft()
        return {
            "id": self._statement_id(),
            "actor": {
                "objectType": "Agent",
                "name": "LMS admin",
                "mbox": "mailto:admin@example.org",
            },
            "verb": {"id": VOIDED, "display": {"en-US": "voided"}},
            "object": {"objectType": "StatementRef", "id": target},
            "timestamp": self._timestamp(),
        }

    def _file_attachment(self) -> dict[str, Any]:
        data = f"certificate {self._uuid()}".encode()
        return {
            "usageType": "http://id.tincanapi.com/attachment/certificate-of-completion",
            "display": {"en-US": "Certificate"},
            "contentType": "application/pdf",
            "length": len(data),
            "sha2": hashlib.sha256(data).hexdigest(),
            "fileUrl": "https://files.example.org/certificates/1.pdf",
        }

    def attachment_statement(self) -> tuple[dict[str, Any], bytes]:
        """A completion statement with an inline attachment: the statement and the raw data."""
        statement = self._session_statement()
        data = f"%PDF-1.4 certificate for {statement['actor']['name']}".encode()
        statement["attachments"] = [
            {
                "usageType": "http://id.tincanapi.com/attachment/certificate-of-completion",
                "display": {"en-US": "Certificate"},
                "contentType": "application/pdf",
                "length": len(data),
                "sha2": hashlib.sha256(data).hexdigest(),
            }
        ]
        return statement, data

    def _timestamp(self) -> str:
        instant = self._start + timedelta(seconds=self._random.randrange(300 * 86_400))
        return instant.isoformat().replace("+00:00", "Z")

    def batch(self, size: int) -> list[dict[str, Any]]:
        return [self.statement() for _ in range(size)]

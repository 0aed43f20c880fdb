"""What one client session does, decided by the test and handed to the client as JSON."""

from __future__ import annotations

import uuid
from typing import Any, TypedDict

EXPERIENCED = {"id": "http://adlnet.gov/expapi/verbs/experienced", "display": {"en-US": "done"}}
VOIDED = {"id": "http://adlnet.gov/expapi/verbs/voided", "display": {"en-US": "voided"}}


class SessionPlan(TypedDict):
    """The LRS to talk to, the version to announce, and this session's own identifiers."""

    endpoint: str
    key: str
    secret: str
    version: str
    adapter: str
    mbox: str
    activity: str
    registration: str
    state_id: str
    states: dict[str, dict[str, Any]]
    statements: dict[str, Any]


def new_plan(endpoint: str, key: str, secret: str, version: str, adapter: str = "") -> SessionPlan:
    """A session with an agent, activity and registration no other session uses."""
    mbox = f"mailto:{uuid.uuid4()}@clients.test"
    activity = f"http://clients.test/activities/{uuid.uuid4()}"
    registration = str(uuid.uuid4())

    def about(name: str) -> dict[str, Any]:
        return {
            "actor": {"objectType": "Agent", "mbox": mbox, "name": "Real client"},
            "verb": EXPERIENCED,
            "object": {
                "objectType": "Activity",
                "id": activity,
                "definition": {"name": {"en-US": name}},
            },
            "context": {"registration": registration},
        }

    return {
        "endpoint": endpoint,
        "key": key,
        "secret": secret,
        "version": version,
        "adapter": adapter,
        "mbox": mbox,
        "activity": activity,
        "registration": registration,
        "state_id": "bookmark",
        "states": {"plain": {"page": 1}, "registered": {"page": 2, "registration": registration}},
        "statements": {
            "single": about("single"),
            "batch": [about("batch 1"), about("batch 2")],
            "voiding": {
                "actor": {"objectType": "Agent", "mbox": mbox},
                "verb": VOIDED,
                "object": {"objectType": "StatementRef", "id": "SINGLE"},
            },
        },
    }


def voiding(plan: SessionPlan, statement_id: str) -> dict[str, Any]:
    """The plan's voiding statement, aimed at `statement_id`."""
    template: dict[str, Any] = plan["statements"]["voiding"]
    return {**template, "object": {**template["object"], "id": statement_id}}

"""The content session of TinCanPython (PyPI `tincan` 1.0.0) against a served LRS."""

from __future__ import annotations

from typing import Any

import orjson
from tincan import (
    Activity,
    Agent,
    LRSResponse,
    RemoteLRS,
    StateDocument,
    Statement,
)
from tincan.http_request import HTTPRequest

from tests.clients.plan import SessionPlan, voiding


class SessionError(AssertionError):
    """A call of the session that the LRS did not answer with success."""


class ApplicationLRS(RemoteLRS):
    """RemoteLRS with the `save_state` an application has to write itself.

    TinCanPython 1.0.0's own `save_state` builds its query from stateId, activityId and agent
    only: the document's `registration` is never sent, so a State saved for a registration
    overwrites the one without. It also sends the same PUT twice. This override sends the
    request once, with the registration when the document has one.
    """

    def save_state(self, state: Any) -> Any:
        request = HTTPRequest(method="PUT", resource="activities/state", content=state.content)
        request.headers["Content-Type"] = state.content_type or "application/octet-stream"
        if state.etag is not None:
            request.headers["If-Match"] = state.etag
        request.query_params = {
            "stateId": state.id,
            "activityId": state.activity.id,
            "agent": state.agent.to_json(self.version),
        }
        if state.registration is not None:
            request.query_params["registration"] = state.registration
        response = self._send_request(request)
        response.content = state
        return response


def _ok(what: str, response: LRSResponse) -> Any:
    if not response.success:
        raise SessionError(f"{what}: HTTP {response.response.status} {response.data!r}")
    return response.content


def run_session(plan: SessionPlan) -> dict[str, Any]:
    """Every call of the session; the same report shape as the Node sessions print."""
    lrs = ApplicationLRS(
        endpoint=plan["endpoint"],
        username=plan["key"],
        password=plan["secret"],
        version=plan["version"],
    )
    agent = Agent(mbox=plan["mbox"])
    activity = Activity(id=plan["activity"])
    about = _ok("about", lrs.about())
    single = _ok("save_statement", lrs.save_statement(Statement(plan["statements"]["single"])))
    batch = _ok(
        "save_statements",
        lrs.save_statements([Statement(s) for s in plan["statements"]["batch"]]),
    )
    retrieved = _ok("retrieve_statement", lrs.retrieve_statement(single.id))
    query = {"agent": agent, "registration": plan["registration"]}
    queried = _ok("query_statements", lrs.query_statements(query))
    voiding_statement = _ok(
        "save_statement (voiding)", lrs.save_statement(Statement(voiding(plan, str(single.id))))
    )
    voided = _ok("retrieve_voided_statement", lrs.retrieve_voided_statement(single.id))
    remaining = _ok("query_statements", lrs.query_statements(query))
    states = {}
    for name, registration in (("plain", None), ("registered", plan["registration"])):
        document = StateDocument(
            id=plan["state_id"],
            activity=activity,
            agent=agent,
            content=orjson.dumps(plan["states"][name]).decode(),
            content_type="application/json",
        )
        if registration is not None:
            document.registration = registration
        _ok(f"save_state ({name})", lrs.save_state(document))
        read = _ok(
            f"retrieve_state ({name})",
            lrs.retrieve_state(activity, agent, plan["state_id"], registration=registration),
        )
        states[name] = orjson.loads(read.content)
    return {
        "sentVersion": lrs.version,
        "about": {"versions": list(about.version)},
        "single": str(single.id),
        "batch": [str(s.id) for s in batch],
        "retrieved": {
            "id": str(retrieved.id),
            "object": retrieved.object.id,
            "actor": retrieved.actor.mbox,
        },
        "queried": [str(s.id) for s in queried.statements],
        "voiding": str(voiding_statement.id),
        "voided": str(voided.id),
        "remaining": [str(s.id) for s in remaining.statements],
        "state": states,
    }

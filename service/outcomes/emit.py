"""xAPI statements announcing attainments, stored through the same path as any other.

The LRS itself is their authority, and the engine skips statements with that authority, so
an emitted statement never feeds an outcome (no feedback loops). Ids are derived from the
attainment, so emitting again after a crash is an equivalent re-post and changes nothing.
"""

from __future__ import annotations

import uuid
from typing import Any

from schemas.outcomes import Outcome, OutcomeMap
from service.model.errors import ConflictError
from service.model.statements import StatementWrite
from service.outcomes.learners import agent_for
from service.store.ports import StatementStore
from service.xapi.preparation import prepare_statement
from service.xapi.statement_index import VOIDED_VERB
from service.xapi.timestamps import format_ms

ENGINE_ACCOUNT = "lrs-outcome-engine"
OBJECTIVE_TYPE = "http://adlnet.gov/expapi/activities/objective"
_NAMESPACE = uuid.UUID("6f1c1a52-44a3-4d0b-9a57-2f3e8d1c7b10")


def engine_authority(home_page: str) -> dict[str, Any]:
    """The authority of every statement the outcome engine writes."""
    return {
        "objectType": "Agent",
        "name": "Outcome engine",
        "account": {"homePage": home_page, "name": ENGINE_ACCOUNT},
    }


def is_engine_statement(statement: dict[str, Any]) -> bool:
    """True for statements the outcome engine wrote (never evaluated again)."""
    account = statement.get("authority", {}).get("account")
    return isinstance(account, dict) and account.get("name") == ENGINE_ACCOUNT


def attainment_statement(
    home_page: str,
    tenant: str,
    outcome_map: OutcomeMap,
    outcome: Outcome,
    learner: str,
    level: int | None,
    attained_ms: int,
) -> dict[str, Any]:
    """The statement that tells xAPI consumers a learner attained an outcome (at a level)."""
    seed = f"{tenant}|{outcome.id}|{learner}|{level or 0}|{attained_ms}"
    definition: dict[str, Any] = {"name": {"en": outcome.name}, "type": OBJECTIVE_TYPE}
    if outcome.description:
        definition["description"] = {"en": outcome.description}
    result: dict[str, Any] = {"success": True, "completion": True}
    if level is not None:
        result["extensions"] = {f"{home_page}/outcomes/extensions/level": level}
    verb = outcome_map.emit.verb
    return {
        "id": str(uuid.uuid5(_NAMESPACE, seed)),
        "actor": agent_for(learner),
        "verb": {"id": verb, "display": {"en": verb.rstrip("/").rsplit("/", 1)[-1]}},
        "object": {
            "objectType": "Activity",
            "id": f"{home_page}/outcomes/{outcome.id}",
            "definition": definition,
        },
        "result": result,
        "timestamp": format_ms(attained_ms),
    }


def voiding_statement(home_page: str, target_id: str) -> dict[str, Any]:
    """Void an attainment statement whose attainment was retracted."""
    return {
        "id": str(uuid.uuid5(_NAMESPACE, f"void|{target_id}")),
        "actor": engine_authority(home_page),
        "verb": {"id": VOIDED_VERB, "display": {"en": "voided"}},
        "object": {"objectType": "StatementRef", "id": target_id},
    }


async def emit(
    store: StatementStore, tenant: str, home_page: str, statements: list[dict[str, Any]]
) -> None:
    """Store the statements; one already stored with other content is left as it is."""
    authority = engine_authority(home_page)
    prepared = [prepare_statement(s, version="2.0.0", authority=authority) for s in statements]
    try:
        await store.store_statements(StatementWrite(tenant, prepared, []))
    except ConflictError:
        for one in prepared:
            try:
                await store.store_statements(StatementWrite(tenant, [one], []))
            except ConflictError:
                continue

"""Outcome evidence of statements a command deleted, retracted in the command's own process."""

from __future__ import annotations

from service.outcomes.engine import OutcomeEngine
from service.settings import Settings
from service.store.ports import Store
from service.tenancy.admin.retention import OnDeleted


def outcome_retraction(store: Store) -> OnDeleted | None:
    """Retracts deleted statements' evidence from every live map version right away, with the
    rules a running service follows (None when the store keeps no outcome state)."""
    if store.outcomes is None:
        return None
    engine = OutcomeEngine(
        store.outcomes.evaluation, store.statements, Settings().authority_home_page
    )
    return engine.retract

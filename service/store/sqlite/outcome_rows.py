"""Row shapes of the outcome tables shared by the SQLite outcome modules."""

from __future__ import annotations

from typing import Any

import orjson

from service.model.outcomes import ROSTER_FIELDS, AttainmentRecord, RosterEntry

ATTAINMENT_COLUMNS = "learner, outcome, attained, level, name, evidence, emitted"
ROSTER_COLUMNS = "learner, name, " + ", ".join(ROSTER_FIELDS)
HISTORY_COLUMNS = f"{ROSTER_COLUMNS}, valid_from, valid_to"  # of outcome_roster_history


def attainment_record(row: tuple[Any, ...]) -> AttainmentRecord:
    """An attainment from the ATTAINMENT_COLUMNS of a row."""
    learner, outcome, attained, level, name, evidence, emitted = row
    return AttainmentRecord(
        learner, outcome, attained, level, name, orjson.loads(evidence), orjson.loads(emitted)
    )


def roster_entry(row: tuple[Any, ...]) -> RosterEntry:
    """A roster entry from the ROSTER_COLUMNS of a row."""
    return RosterEntry(*row)


def unit_column(unit_field: str) -> str:
    """A roster field name safe to put in SQL; ValueError otherwise."""
    if unit_field not in ROSTER_FIELDS:
        raise ValueError(f"not a roster field: {unit_field!r}")
    return unit_field

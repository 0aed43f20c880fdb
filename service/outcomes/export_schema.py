"""Machine-readable schemas of the exports and the change feed: JSON Schema, versioned.

Columns are only ever appended: a new column bumps the export's version, and a test pins each
version's column list so that none is removed or renamed (tests/feed/test_export_schema.py).
"""

from __future__ import annotations

from typing import Any

from service.model.outcomes import ROSTER_FIELDS
from service.outcomes import reports
from service.outcomes.export import FEED_COLUMNS, JSON_COLUMNS, STATEMENT_COLUMNS

KPI_COLUMNS = (
    "outcome", "kpi", "org_unit", "period", "rate_measured_at", "headcount", "attained",
    "attainment_rate", "kpi_value", "pearson_r", "n_cells",
    "outcome_name", "kpi_name",
)  # fmt: skip
RATE_COLUMNS = (
    "outcome", "org_unit", "period", "headcount", "attained", "new", "rate", "change",
    "outcome_name",
)  # fmt: skip
ATTAINMENT_EXPORT_COLUMNS = (*reports.ATTAINMENT_COLUMNS, "evidence_statements", "outcome_name")
ROSTER_EXPORT_COLUMNS = (
    "learner", "name", *ROSTER_FIELDS, "valid_from", "valid_to",
    "learner_email", "learner_account_home_page", "learner_account_name",
)  # fmt: skip
KPI_OBSERVATION_COLUMNS = ("kpi", "kpi_name", "kpi_unit", "org_unit", "period", "value")

EXPORTS: dict[str, tuple[int, tuple[str, ...]]] = {
    "statements": (2, STATEMENT_COLUMNS),
    "feed": (2, FEED_COLUMNS),
    "attainments": (2, ATTAINMENT_EXPORT_COLUMNS),
    "rates": (2, RATE_COLUMNS),
    "outcome-kpis": (2, KPI_COLUMNS),
    "roster": (1, ROSTER_EXPORT_COLUMNS),
    "kpis": (1, KPI_OBSERVATION_COLUMNS),
}
"""Each export's schema version and columns, in order."""

_BOOLEAN = frozenset({"result_success", "result_completion"})
_NUMBER = frozenset(
    {
        "result_score_scaled", "result_score_raw", "result_score_min", "result_score_max",
        "result_duration_seconds", "attainment_rate", "kpi_value", "pearson_r", "rate", "change",
    }
)  # fmt: skip
_INTEGER = frozenset(
    {
        "map_version", "level", "evidence_count", "headcount", "attained", "new", "n_cells",
        "change_id",
    }
)  # fmt: skip
_INSTANT = frozenset({"timestamp", "stored", "changed_at", "attained_at"})
_DATE = frozenset({"valid_from", "valid_to"})


def column_schema(name: str) -> dict[str, Any]:
    """The JSON Schema of one column's cell (every cell may be null)."""
    if name in _BOOLEAN:
        return {"type": ["boolean", "null"]}
    if name in _NUMBER or name == "value":
        return {"type": ["number", "null"]}
    if name in _INTEGER:
        return {"type": ["integer", "null"]}
    if name in _INSTANT:
        return {"type": ["string", "null"], "format": "date-time"}
    if name in _DATE:
        return {"type": ["string", "null"], "format": "date"}
    if name in JSON_COLUMNS or name == "statement":
        return {"type": ["string", "null"], "contentMediaType": "application/json"}
    return {"type": ["string", "null"]}


def row_schema(export: str) -> dict[str, Any]:
    """The JSON Schema of one row of `export` (an NDJSON line; CSV has the same columns)."""
    version, columns = EXPORTS[export]
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": f"{export} export row",
        "version": version,
        "type": "object",
        "properties": {name: column_schema(name) for name in columns},
        "required": list(columns),
        "x-columns": list(columns),
    }

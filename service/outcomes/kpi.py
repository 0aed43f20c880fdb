"""KPI observation uploads: KPI id, org unit, period and value."""

from __future__ import annotations

import math
import re

from service.model.outcomes import KpiObservation
from service.outcomes.periods import parse_period
from service.outcomes.roster import MAX_TEXT
from service.outcomes.tables import Row, RowError, convert_rows, read_rows, unique_by

KPI_COLUMNS = ("kpi", "org_unit", "period", "value")
_SLUG = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,79}")


def parse_kpis(body: bytes, content_type: str | None) -> list[tuple[Row, KpiObservation]]:
    """Every observation of the upload with the row it came from, or InvalidDocumentError
    naming each bad row and field."""
    rows = read_rows(body, content_type, KPI_COLUMNS, KPI_COLUMNS)
    key = unique_by(lambda o: (o[1].kpi, o[1].org_unit, o[1].period), "period", _located)
    return convert_rows("the KPI observations", rows, key)


def _located(row: Row) -> tuple[Row, KpiObservation]:
    return row, _observation(row)


def _observation(row: Row) -> KpiObservation:
    values = row.values
    kpi, unit, period, raw = (values.get(name) for name in KPI_COLUMNS)
    if kpi is None or _SLUG.fullmatch(kpi) is None:
        raise RowError("kpi", "must be a KPI id (letters, digits, '.', '_' or '-')")
    if unit is None or len(unit) > MAX_TEXT:
        raise RowError("org_unit", f"must be an org unit name of 1 to {MAX_TEXT} characters")
    try:
        label = parse_period(period or "").label
    except ValueError as exc:
        raise RowError("period", str(exc)) from None
    try:
        value = float(raw or "")
    except ValueError:
        raise RowError("value", f"must be a number, not {raw!r}") from None
    if not math.isfinite(value):
        raise RowError("value", "must be a finite number")
    return KpiObservation(kpi, unit, label, value)

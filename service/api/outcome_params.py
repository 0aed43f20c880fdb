"""The query parameters of the outcome and export routes, as the OpenAPI document shows them.

Which names an endpoint accepts is decided by its parser (`service.outcomes.reports`'s sets,
checked by `check_known`); `described` looks each of those names up here, so a name the parser
accepts without a description here fails at import, not silently in the document.
"""

from __future__ import annotations

from collections.abc import Iterable

from service.model.outcomes import ROSTER_FIELDS
from service.outcomes.params import MAX_LIMIT
from service.outcomes.periods import GRANULARITIES
from service.xapi.statement_params import BOOL, TIMESTAMP, Param

_PERIOD_DOC = "a period label: 2024, 2024-Q2, 2024-05, 2024-W19 or 2024-05-13"
_COMMON = {
    param.name: param
    for param in (
        Param("outcome", "Only this outcome of the current map"),
        Param("learner", "Only this learner: an email, a mailto: IRI or another learner id"),
        Param("org_unit", "Only this org unit (a value of the group_by roster field)"),
        Param(
            "group_by",
            "The roster field that names org units (default department)",
            {"type": "string", "enum": list(ROSTER_FIELDS)},
        ),
        Param("period", "When attained: " + _PERIOD_DOC + "; not with since/until"),
        Param("since", "Attained at or after", TIMESTAMP),
        Param("until", "Attained before", TIMESTAMP),
        Param("level", "Only this level", {"type": "integer", "minimum": 1, "maximum": 100}),
        Param("limit", "Page size", {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT}),
        Param("cursor", "Paging cursor from the previous page"),
        Param("evidence", "Include the evidence (default: only with learner)", BOOL),
        Param(
            "granularity",
            "Period length (default month)",
            {"type": "string", "enum": list(GRANULARITIES)},
        ),
        Param("kpi", "Only this KPI"),
        Param(
            "lag",
            "Periods between attainment and the KPI observation it is paired with",
            {"type": "integer", "minimum": 0, "maximum": 60},
        ),
        Param("after", "The last learner of the previous page"),
        Param("map", "Which of the tenant's outcome maps (default: default)"),
    )
}
MAP = _COMMON["map"]
_RATES = {  # rates take period labels where attainment listings take instants
    "since": Param("since", "First period: " + _PERIOD_DOC + ", of the granularity"),
    "until": Param("until", "Last period: " + _PERIOD_DOC + ", of the granularity"),
}
ROSTER_PAGE = (_COMMON["after"], _COMMON["limit"])
ROSTER_HISTORY = (Param("learner", "The learner whose entries to list", required=True),)
IMPACT = (
    Param(
        "outcome", "The outcome of the current map whose attainment rate is the dose", required=True
    ),
    Param("kpi", "The KPI whose change is estimated", required=True),
    _COMMON["group_by"],
    Param(
        "granularity",
        "The KPI's period length (default and only allowed value: that of its observations)",
        {"type": "string", "enum": list(GRANULARITIES)},
    ),
    Param("since", "First KPI period: " + _PERIOD_DOC),
    Param("until", "Last KPI period: " + _PERIOD_DOC),
    _COMMON["lag"],
    MAP,
)
PROGRESS = (
    Param("learner", "The learner: an email, a mailto: IRI or another learner id", required=True),
    Param("outcome", "Only this outcome of the current map"),
    MAP,
)
UNATTAINED = (
    Param("outcome", "The outcome of the current map", required=True),
    Param("org_unit", "The org unit (a value of the group_by roster field)", required=True),
    _COMMON["group_by"],
    Param("after", "The last learner of the previous page"),
    _COMMON["limit"],
    MAP,
)
CHECK_DAYS = (
    Param(
        "days",
        "Also check the map against the statements stored in the last this many days",
        {"type": "integer", "minimum": 1, "maximum": 366},
    ),
)
KPI_UPLOAD = (
    Param(
        "allow_new_units",
        "Accept rows naming org units nobody in the roster was in during the row's period",
        BOOL,
    ),
)
EFFECTIVE = (
    Param(
        "effective",
        "From when the upload holds (YYYY-MM-DD, UTC, not after today; default today, or the"
        " beginning for a tenant's first upload)",
        {"type": "string", "format": "date"},
    ),
)


def described(names: Iterable[str], *, rates: bool = False) -> tuple[Param, ...]:
    """The Params of the names a parser accepts, in name order."""
    table = {**_COMMON, **_RATES} if rates else _COMMON
    return tuple(table[name] for name in sorted(names))

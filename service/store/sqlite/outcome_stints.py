"""Stints: a learner's unbroken time in one unit of one roster field, derived from the
roster history whenever it changes, so reports read them without window functions.

A learner's consecutive history entries with the same value of a field (a team change
inside one department, say) are one stint of that field.
"""

from __future__ import annotations

import sqlite3

from service.model.outcomes import ROSTER_FIELDS

_LEARNERS = " AND learner IN (SELECT value FROM json_each(?2))"
# ?1 tenant (?2 the learners, as JSON, when restricted): the stints of one field
_STINTS = """
WITH h AS (
    SELECT learner, {field} AS unit, valid_from, valid_to,
        CASE WHEN lag(valid_to) OVER w = valid_from AND lag({field}) OVER w IS {field}
            THEN 0 ELSE 1 END AS starts
    FROM outcome_roster_history WHERE tenant = ?1{only}
    WINDOW w AS (PARTITION BY learner ORDER BY valid_from)
), g AS (
    SELECT learner, unit, valid_from, valid_to,
        sum(starts) OVER (PARTITION BY learner ORDER BY valid_from) AS stint
    FROM h
)
INSERT INTO outcome_unit_history (tenant, field, learner, unit, valid_from, valid_to)
SELECT ?1, '{field}', learner, unit, min(valid_from),
    CASE WHEN count(valid_to) = count(*) THEN max(valid_to) END
FROM g WHERE unit IS NOT NULL GROUP BY learner, stint
"""


def restint(conn: sqlite3.Connection, tenant: str, learners: str | None) -> None:
    """Derive the stints of the tenant's learners afresh (only of `learners`, a JSON array,
    when given) from their roster history."""
    only = "" if learners is None else _LEARNERS
    params: tuple[str, ...] = (tenant,) if learners is None else (tenant, learners)
    for field in ROSTER_FIELDS:  # tenant, field, learner: the primary key's order
        conn.execute(
            f"DELETE FROM outcome_unit_history WHERE tenant = ?1 AND field = '{field}'{only}",
            params,
        )
        conn.execute(_STINTS.format(field=field, only=only), params)

"""Org roster uploads: learner id -> name, department, team, manager, location, role."""

from __future__ import annotations

from service.model.outcomes import ROSTER_FIELDS, RosterEntry
from service.outcomes.learners import parse_learner
from service.outcomes.tables import Row, RowError, convert_rows, read_rows, unique_by

ROSTER_COLUMNS = ("learner", "name", *ROSTER_FIELDS)
MAX_TEXT = 200


def parse_roster(body: bytes, content_type: str | None) -> list[RosterEntry]:
    """Every entry of the upload, or InvalidDocumentError naming each bad row and field."""
    rows = read_rows(body, content_type, ROSTER_COLUMNS, ("learner",))
    return convert_rows("the roster", rows, unique_by(lambda e: e.learner, "learner", _entry))


def _entry(row: Row) -> RosterEntry:
    raw = row.values.get("learner")
    learner = parse_learner(raw) if raw else None
    if learner is None:
        raise RowError(
            "learner",
            "must be an email, mailto: IRI, mbox_sha1sum:HEX, openid:URL or account:HOME|NAME",
        )
    for name in ROSTER_COLUMNS[1:]:
        value = row.values.get(name)
        if value is not None and len(value) > MAX_TEXT:
            raise RowError(name, f"is longer than {MAX_TEXT} characters")
    return RosterEntry(learner, *(row.values.get(name) for name in ROSTER_COLUMNS[1:]))

"""Org roster uploads: learner id -> name, department, team, manager, location, role."""

from __future__ import annotations

from datetime import UTC, date, datetime

from service.model.clock import from_ms, to_ms
from service.model.errors import BadRequestError
from service.model.outcomes import BEGINNING_MS, ROSTER_FIELDS, RosterEntry, RosterImport
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
    get = row.values.get
    return RosterEntry(
        learner, get("name"), get("department"), get("team"), get("manager"),
        get("location"), get("role"),
    )  # fmt: skip


def roster_import(effective: str | None, now_ms: int) -> RosterImport:
    """When an upload takes effect: the `effective` date (YYYY-MM-DD, UTC, not after today),
    or else today (the tenant's first upload: from the beginning)."""
    today = from_ms(now_ms).date()
    if effective is None:
        return RosterImport(_day_ms(today))
    try:
        day = date.fromisoformat(effective)
    except ValueError:
        raise BadRequestError("effective must be a date: YYYY-MM-DD") from None
    if day > today:
        raise BadRequestError("effective must not be after today (UTC)")
    return RosterImport(_day_ms(day), explicit=True)


def entry_json(entry: RosterEntry) -> dict[str, str | None]:
    """A roster entry as the API shows it, with its effective dates (YYYY-MM-DD, or null for
    "since the beginning" and "still")."""
    out: dict[str, str | None] = {"learner": entry.learner, "name": entry.name}
    for field in ROSTER_FIELDS:
        out[field] = getattr(entry, field)
    start, end = entry.valid_from_ms, entry.valid_to_ms
    out["valid_from"] = None if start in (None, BEGINNING_MS) else _day(start)
    out["valid_to"] = None if end is None else _day(end)
    return out


def _day(ms: int | None) -> str:
    return from_ms(ms or 0).date().isoformat()


def _day_ms(day: date) -> int:
    return to_ms(datetime(day.year, day.month, day.day, tzinfo=UTC))

"""MongoDB collections of outcome state, their indexes and document shapes.

Every document carries its tenant `t`; state documents their map version `v`. Each document's
`_id` is the JSON array of its key fields, so every write is an idempotent upsert by `_id`: a
step repeated after a crash writes the same documents again instead of duplicating them.
The test server compares `null` unreliably, so an open-ended interval ends at `OPEN` (later
than any instant) instead of `null`.
"""

from __future__ import annotations

from typing import Any

import orjson
from pymongo import ASCENDING, IndexModel

from service.model.outcomes import ROSTER_FIELDS, AttainmentRecord, RosterEntry

Doc = dict[str, Any]

MAPS = "outcome_maps"  # one per map version: document, status, cursor
EVIDENCE = "outcome_evidence"  # (version, learner, outcome, criterion, statement)
ATTAINMENTS = "outcome_attainments"  # (version, outcome, learner)
ROSTER = "outcome_roster"  # the roster history: (learner, valid from); open ones are current
STINTS = "outcome_stints"  # unbroken time of a learner in a unit of one roster field
KPIS = "outcome_kpis"  # (kpi, org unit, period)
COLLECTIONS = (MAPS, EVIDENCE, ATTAINMENTS, ROSTER, STINTS, KPIS)

OPEN = 2**62  # `to` of an interval that has not ended
DAY_MS = 86_400_000


def _index(name: str, *fields: str) -> IndexModel:
    return IndexModel([(field, ASCENDING) for field in fields], name=name)


INDEXES: dict[str, list[IndexModel]] = {
    MAPS: [_index("outcome_map_name", "t", "name", "version")],
    EVIDENCE: [
        _index("outcome_evidence_pair", "t", "v", "l", "o"),
        _index("outcome_evidence_statement", "t", "v", "s"),
    ],
    ATTAINMENTS: [
        _index("outcome_attainment_outcome", "t", "v", "o", "l"),
        _index("outcome_attainment_learner", "t", "v", "l", "o"),
        _index("outcome_attainment_time", "t", "v", "o", "at"),
    ],
    ROSTER: [
        _index("outcome_roster_learner", "t", "l", "from"),
        _index("outcome_roster_current", "t", "to", "l"),
    ],
    STINTS: [
        _index("outcome_stint_field", "t", "f", "l"),
        _index("outcome_stint_learner", "l", "t", "f"),  # the $lookup from attainments
    ],
    KPIS: [_index("outcome_kpi_order", "t", "kpi", "unit", "period")],
}


def key(*parts: object) -> str:
    """A document `_id` from its key fields."""
    return orjson.dumps(parts).decode()


def attained_day(attained_ms: int) -> int:
    """Days since the epoch, truncated toward zero as SQLite's integer division does."""
    days = abs(attained_ms) // DAY_MS
    return days if attained_ms >= 0 else -days


def attainment_doc(tenant: str, version: int, record: AttainmentRecord) -> Doc:
    return {
        "_id": key(tenant, version, record.outcome, record.learner),
        "t": tenant,
        "v": version,
        "o": record.outcome,
        "l": record.learner,
        "at": record.attained_ms,
        "d": attained_day(record.attained_ms),
        "lv": record.level,
        "n": record.name,
        "ev": orjson.dumps(record.evidence).decode(),  # text: the test server cannot
        "em": orjson.dumps(record.emitted).decode(),  # replace a document holding binary
    }


def attainment_record(doc: Doc) -> AttainmentRecord:
    return AttainmentRecord(
        doc["l"],
        doc["o"],
        int(doc["at"]),
        doc.get("lv"),
        doc.get("n"),
        orjson.loads(doc["ev"]),
        orjson.loads(doc["em"]),
    )


def roster_doc(tenant: str, entry: RosterEntry, valid_from: int, valid_to: int = OPEN) -> Doc:
    doc: Doc = {
        "_id": key(tenant, entry.learner, valid_from),
        "t": tenant,
        "l": entry.learner,
        "from": valid_from,
        "to": valid_to,
        "name": entry.name,
    }
    for field in ROSTER_FIELDS:
        doc[field] = getattr(entry, field)
    return doc


def roster_values(doc: Doc) -> tuple[str | None, ...]:
    """What an upload compares: the name and the roster fields."""
    return (doc.get("name"), *(doc.get(field) for field in ROSTER_FIELDS))


def roster_entry(doc: Doc, *, dated: bool = True) -> RosterEntry:
    to = int(doc["to"])
    return RosterEntry(
        doc["l"],
        doc.get("name"),
        department=doc.get("department"),
        team=doc.get("team"),
        manager=doc.get("manager"),
        location=doc.get("location"),
        role=doc.get("role"),
        valid_from_ms=int(doc["from"]) if dated else None,
        valid_to_ms=(None if to == OPEN else to) if dated else None,
    )


def unit_field(name: str) -> str:
    """A roster field name; ValueError otherwise."""
    if name not in ROSTER_FIELDS:
        raise ValueError(f"not a roster field: {name!r}")
    return name

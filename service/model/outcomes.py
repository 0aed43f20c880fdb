"""Plain records of outcome state that cross the storage port."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, NamedTuple

MapStatus = Literal["evaluating", "current", "retired"]
ROSTER_FIELDS = ("department", "team", "manager", "location", "role")
DEFAULT_MAP = "default"
BEGINNING_MS = -62_135_596_800_000  # 0001-01-01T00:00:00Z: "since the beginning"


@dataclass(frozen=True, slots=True)
class MapVersion:
    """One version of one of a tenant's outcome maps and how far its evaluation got.
    `version` is unique within the tenant (evaluation state is kept under it); `number`
    counts the versions of the map `name` alone."""

    version: int
    document: dict[str, Any]
    created_ms: int
    status: MapStatus
    cursor: int  # the last statement sequence number evaluated
    evaluated: int  # statements evaluated so far
    name: str = DEFAULT_MAP  # which of the tenant's maps (one per programme)
    number: int = 0  # the version's number among that map's versions (1, 2, ...)


@dataclass(frozen=True, slots=True)
class SeqStatement:
    """A stored statement with its sequence number, read for evaluation."""

    seq: int
    body: bytes | None  # None when the reader said it already holds the statement
    voided: bool


@dataclass(frozen=True, slots=True)
class EvidenceRecord:
    """One statement counting toward one criterion of one outcome for one learner."""

    learner: str
    outcome: str
    criterion: int
    statement_id: str
    activity: str  # object activity id, or the statement id when the object is none
    timestamp_ms: int
    seq: int


@dataclass(frozen=True, slots=True)
class AttainmentRecord:
    """A learner's attainment of an outcome, with its evidence and emitted statements."""

    learner: str
    outcome: str
    attained_ms: int
    level: int | None
    name: str | None
    evidence: list[dict[str, Any]]
    emitted: dict[str, str] = field(default_factory=dict)  # level (as text) -> statement id


def evidence_count(record: AttainmentRecord) -> int:
    """How many distinct statements an attainment rests on."""
    return len({s for proof in record.evidence for s in proof.get("statements", [])})


AttainmentChangeKind = Literal["attainment", "attainment_retracted"]


@dataclass(frozen=True, slots=True)
class AttainmentChange:
    """One attainment written or withdrawn by an evaluation step, for the change feed.

    `id` grows in commit order; `seq` is the evaluation cursor of the step (the feed shows the
    change after that statement); `level`, `evidence_count` and `attained_ms` are None for a
    retraction.
    """

    id: int
    kind: AttainmentChangeKind
    version: int
    outcome: str
    learner: str
    level: int | None
    evidence_count: int | None
    attained_ms: int | None
    seq: int
    at_ms: int


@dataclass(frozen=True, slots=True)
class EvidenceSnapshot:
    """Stored evidence and attainments of some (learner, outcome) pairs, before a change."""

    evidence: list[EvidenceRecord]
    attainments: dict[tuple[str, str], AttainmentRecord]


@dataclass(slots=True)
class OutcomeChanges:
    """Everything one evaluation step writes, atomically with its cursor."""

    version: int
    cursor: int
    evaluated: int
    add_evidence: list[EvidenceRecord] = field(default_factory=list)
    retract_statements: list[str] = field(default_factory=list)
    put_attainments: list[AttainmentRecord] = field(default_factory=list)
    delete_attainments: list[tuple[str, str]] = field(default_factory=list)  # (learner, outcome)

    def logged_changes(self) -> list[LoggedChange]:
        """What the change feed's log records of this step: each attainment put, and each one
        deleted and not put again."""
        put = {(r.learner, r.outcome) for r in self.put_attainments}
        logged = [
            LoggedChange(
                r.outcome, r.learner, "attainment", r.level, evidence_count(r), r.attained_ms
            )
            for r in self.put_attainments
        ]
        logged += [
            LoggedChange(outcome, learner, "attainment_retracted", None, None, None)
            for learner, outcome in self.delete_attainments
            if (learner, outcome) not in put
        ]
        return logged


class LoggedChange(NamedTuple):
    """One entry of the change feed's attainment log, before the store numbers it."""

    outcome: str
    learner: str
    kind: AttainmentChangeKind
    level: int | None
    evidence_count: int | None
    attained_ms: int | None


@dataclass(frozen=True, slots=True)
class RosterEntry:
    """One learner's place in the organisation."""

    learner: str
    name: str | None = None
    department: str | None = None
    team: str | None = None
    manager: str | None = None
    location: str | None = None
    role: str | None = None
    valid_from_ms: int | None = None  # the entry holds from this instant (BEGINNING_MS: always)
    valid_to_ms: int | None = None  # until this instant, exclusive (None: still)


@dataclass(frozen=True, slots=True)
class RosterImport:
    """When an import takes effect: `at_ms`, or from the beginning when it is the tenant's
    first import and no date was given (`explicit` False)."""

    at_ms: int
    explicit: bool = False


@dataclass(frozen=True, slots=True)
class PeriodSpan:
    """A labelled half-open interval [start_ms, end_ms) that reports count people in."""

    label: str
    start_ms: int
    end_ms: int


@dataclass(frozen=True, slots=True)
class UnitSpan:
    """Learners who were in one org unit without a break from `from_ms` until `to_ms`
    (None: still), counted by the UTC day they attained an outcome (None: not yet)."""

    unit: str
    from_ms: int
    to_ms: int | None
    attained_day: int | None  # days since the epoch
    count: int


@dataclass(frozen=True, slots=True)
class UnitRange:
    """Someone was in this org unit (a value of any roster field) from `from_ms` until
    `to_ms` (None: still)."""

    unit: str
    from_ms: int
    to_ms: int | None


@dataclass(frozen=True, slots=True)
class UnitPeriodCount:
    """For one outcome, org unit and period: the people in the unit at any time during the
    period, and how many of them had attained the outcome before its start and its end."""

    outcome: str
    unit: str
    period: str
    members: int
    attained_before: int
    attained: int


@dataclass(frozen=True, slots=True)
class KpiObservation:
    """A business KPI's value for one org unit in one period."""

    kpi: str
    org_unit: str
    period: str
    value: float


@dataclass(frozen=True, slots=True)
class AttainmentQuery:
    """Filters of an attainment listing; `after` is the (outcome, learner) paging cursor."""

    version: int
    outcome: str | None = None
    learner: str | None = None
    unit_field: str = "department"
    unit: str | None = None
    since_ms: int | None = None  # inclusive
    until_ms: int | None = None  # exclusive
    level: int | None = None
    after: tuple[str, str] | None = None
    limit: int = 100


@dataclass(frozen=True, slots=True)
class AttainmentRow:
    """An attainment joined with the learner's roster entry."""

    record: AttainmentRecord
    roster: RosterEntry | None


@dataclass(frozen=True, slots=True)
class UnitDayCount:
    """Attainments of an outcome in one org unit on one UTC day."""

    outcome: str
    unit: str
    day: int  # days since the epoch
    count: int

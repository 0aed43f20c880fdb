"""How far learners are on an outcome: "2 of 3 required", each criterion's count of the
statements it needs and which ones, attained or not yet (for the API and the console); and who
in an org unit has not attained it yet."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from service.model.clock import now_ms
from service.model.errors import BadRequestError
from service.model.outcomes import AttainmentRecord, EvidenceRecord, PeriodSpan
from service.outcomes import params as p
from service.outcomes.compile import OutcomePlan
from service.outcomes.engine import ActiveMap
from service.outcomes.evaluate import attained_at, progress
from service.outcomes.membership import unit_counts
from service.outcomes.privacy import Suppression
from service.outcomes.roster import entry_json
from service.store.ports import OutcomeEvaluationStore, OutcomeReportStore
from service.xapi.timestamps import format_ms

PROGRESS_PARAMS = {"learner", "outcome", "map"}
UNATTAINED_PARAMS = {"outcome", "org_unit", "group_by", "after", "limit", "map"}


@dataclass(frozen=True, slots=True)
class CriterionProgress:
    criterion: str
    count: int  # matches counted as evaluation counts them (distinct, within a span)
    needed: int
    statements: list[str]  # the statements behind the count

    @property
    def met(self) -> bool:
        return self.count >= self.needed


@dataclass(frozen=True, slots=True)
class OutcomeProgress:
    """One learner on one outcome: `met` of the `required` parts of its criteria tree."""

    outcome: str
    name: str
    attained_ms: int | None
    level: int | None
    criteria: list[CriterionProgress]
    required: int
    met: int
    any_of: int | None  # how many parts a top-level `any` offers; None for `all`

    @property
    def summary(self) -> str:
        either = "" if self.any_of is None else f" (any of {self.any_of})"
        return f"{self.met} of {self.required} required{either}"


def outcome_progress(
    plan: OutcomePlan, evidence: list[EvidenceRecord], record: AttainmentRecord | None
) -> OutcomeProgress:
    """One learner's progress on one outcome, from their evidence."""
    by_criterion: defaultdict[int, list[EvidenceRecord]] = defaultdict(list)
    for item in evidence:
        by_criterion[item.criterion].append(item)
    found = {
        c.index: progress(by_criterion[c.index], c, plan.needed[c.index]) for c in plan.criteria
    }
    mode, children = plan.tree if isinstance(plan.tree, tuple) else ("all", [plan.tree])
    done = sum(attained_at(child, plan.criteria, found) is not None for child in children)
    return OutcomeProgress(
        plan.outcome.id,
        plan.outcome.name,
        None if record is None else record.attained_ms,
        None if record is None else record.level,
        [
            CriterionProgress(
                c.key, len(found[c.index].reached), c.spec.at_least, found[c.index].statements
            )
            for c in plan.criteria
        ],
        required=len(children) if mode == "all" else 1,
        met=done if mode == "all" else min(done, 1),
        any_of=len(children) if mode == "any" else None,
    )


def progress_json(found: OutcomeProgress) -> dict[str, Any]:
    return {
        "outcome": found.outcome,
        "name": found.name,
        "attained": found.attained_ms is not None,
        "attained_at": None if found.attained_ms is None else format_ms(found.attained_ms),
        "level": found.level,
        "required": found.required,
        "met": found.met,
        "summary": found.summary,
        "criteria": [
            {
                "criterion": c.criterion,
                "needed": c.needed,
                "count": c.count,
                "met": c.met,
                "statements": c.statements,
            }
            for c in found.criteria
        ],
    }


async def learner_progress(
    store: OutcomeEvaluationStore,
    tenant: str,
    active: ActiveMap,
    learner: str,
    outcome: str | None = None,
) -> list[OutcomeProgress]:
    """A learner's progress on every outcome of the map, or on one, from the stored evidence."""
    plans = _plans(active, outcome)
    pairs = [(learner, plan.outcome.id) for plan in plans]
    snapshot = await store.load_outcome_evidence(tenant, active.version.version, pairs, [])
    evidence: defaultdict[str, list[EvidenceRecord]] = defaultdict(list)
    for item in snapshot.evidence:
        if item.learner == learner:
            evidence[item.outcome].append(item)
    return [
        outcome_progress(
            plan, evidence[plan.outcome.id], snapshot.attainments.get((learner, plan.outcome.id))
        )
        for plan in plans
    ]


async def learner_report(
    store: OutcomeEvaluationStore, tenant: str, active: ActiveMap, params: dict[str, str]
) -> dict[str, Any]:
    """The progress query (`learner`, `outcome`) answered as JSON."""
    p.check_known(params, PROGRESS_PARAMS)
    learner = p.learner(params)
    if learner is None:
        raise BadRequestError("learner is required")
    found = await learner_progress(store, tenant, active, learner, params.get("outcome"))
    return {"learner": learner, "outcomes": [progress_json(o) for o in found]}


async def unattained(
    reports: OutcomeReportStore,
    evaluation: OutcomeEvaluationStore,
    tenant: str,
    active: ActiveMap,
    params: dict[str, str],
    floor: int,
) -> dict[str, Any]:
    """Who in an org unit (as the roster stands now) has not attained an outcome, with each
    one's progress; the unit's counts only when it has at least `floor` people."""
    p.check_known(params, UNATTAINED_PARAMS)
    (plan,) = _plans(active, params.get("outcome") or _missing("outcome"))
    unit = params.get("org_unit") or _missing("org_unit")
    field = p.unit_field(params)
    limit = p.integer(params, "limit", 100, 1, p.MAX_LIMIT)
    version = active.version.version
    now = now_ms()
    counts = await unit_counts(
        reports, tenant, version, field, [plan.outcome.id], [PeriodSpan("now", now, now + 1)]
    )
    hidden = Suppression(floor)
    count = counts.get(plan.outcome.id, unit, "now")
    shown = hidden.allows(unit, "now", 0 if count is None else count.members)
    people = await reports.unattained(
        tenant, version, plan.outcome.id, field, unit, params.get("after"), limit
    )
    pairs = [(entry.learner, plan.outcome.id) for entry in people]
    snapshot = await evaluation.load_outcome_evidence(tenant, version, pairs, [])
    evidence: defaultdict[str, list[EvidenceRecord]] = defaultdict(list)
    for item in snapshot.evidence:
        evidence[item.learner].append(item)
    learners = []
    for entry in people:
        where = outcome_progress(plan, evidence[entry.learner], None)
        learners.append(
            {
                **entry_json(entry),
                "summary": where.summary,
                "criteria_met": [c.criterion for c in where.criteria if c.met],
            }
        )
    return {
        "outcome": plan.outcome.id,
        "org_unit": unit,
        "group_by": field,
        "min_group_size": floor,
        "headcount": count.members if shown and count else None,
        "attained": count.attained if shown and count else None,
        "not_attained": count.members - count.attained if shown and count else None,
        "suppressed": hidden.report(),
        "learners": learners,
        "cursor": people[-1].learner if len(people) == limit else None,
    }


def _plans(active: ActiveMap, outcome: str | None) -> list[OutcomePlan]:
    plans = active.compiled.plans
    if outcome is None:
        return plans
    chosen = [plan for plan in plans if plan.outcome.id == outcome]
    if not chosen:
        raise BadRequestError(f"the current outcome map has no outcome {outcome!r}")
    return chosen


def _missing(name: str) -> str:
    raise BadRequestError(f"{name} is required")

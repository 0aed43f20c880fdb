"""One learner's progress on every outcome of the current map: per criterion, how many of
the needed statements they have, and which ones; attained or not yet."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from service.model.outcomes import EvidenceRecord
from service.outcomes.engine import ActiveMap
from service.outcomes.evaluate import progress
from service.store.ports import OutcomeEvaluationStore


@dataclass(frozen=True, slots=True)
class CriterionProgress:
    criterion: str
    count: int  # matches counted as evaluation counts them (distinct, within a span)
    needed: int
    statements: list[str]  # the statements behind the count


@dataclass(frozen=True, slots=True)
class OutcomeProgress:
    outcome: str
    name: str
    attained_ms: int | None
    level: int | None
    criteria: list[CriterionProgress]


async def learner_progress(
    store: OutcomeEvaluationStore, tenant: str, active: ActiveMap, learner: str
) -> list[OutcomeProgress]:
    """Every outcome of the active map for one learner, from the stored evidence."""
    compiled = active.compiled
    pairs = [(learner, plan.outcome.id) for plan in compiled.plans]
    snapshot = await store.load_outcome_evidence(tenant, active.version.version, pairs, [])
    evidence: dict[tuple[str, int], list[EvidenceRecord]] = defaultdict(list)
    for record in snapshot.evidence:
        if record.learner == learner:
            evidence[(record.outcome, record.criterion)].append(record)
    out = []
    for plan in compiled.plans:
        criteria = []
        for criterion in plan.criteria:
            found = progress(
                evidence[(plan.outcome.id, criterion.index)],
                criterion,
                plan.needed[criterion.index],
            )
            criteria.append(
                CriterionProgress(
                    criterion.key, len(found.reached), criterion.spec.at_least, found.statements
                )
            )
        attained = snapshot.attainments.get((learner, plan.outcome.id))
        out.append(
            OutcomeProgress(
                plan.outcome.id,
                plan.outcome.name,
                attained.attained_ms if attained is not None else None,
                attained.level if attained is not None else None,
                criteria,
            )
        )
    return out

"""A map's dry run: which learners each criterion would match in the stored statements,
without storing anything. Reads at most `budget` statements, so its cost is bounded."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from schemas.outcomes import OutcomeMap
from service.outcomes.compile import CompiledMap
from service.outcomes.step import collect
from service.store.ports import OutcomeEvaluationStore

PAGE = 1000
BUDGET = 50_000


@dataclass(frozen=True, slots=True)
class CriterionPreview:
    outcome: str
    criterion: str
    statements: int  # matching statements
    learners: int  # distinct learners credited by them


@dataclass(frozen=True, slots=True)
class MapPreview:
    criteria: list[CriterionPreview]
    scanned: int  # statements read
    complete: bool  # False when the budget ran out before the newest statement


async def preview_map(
    store: OutcomeEvaluationStore, tenant: str, outcome_map: OutcomeMap, budget: int = BUDGET
) -> MapPreview:
    """Learners and statements matched per criterion, oldest statements first (voided ones
    and those voided later do not count, as in evaluation, SR-20)."""
    compiled = CompiledMap(outcome_map)
    outcome_index = {plan.outcome.id: plan.index for plan in compiled.plans}
    matched: dict[tuple[int, int], set[tuple[str, str]]] = defaultdict(set)
    retracted: set[str] = set()
    after, scanned, complete = 0, 0, True
    while True:
        page = await store.read_statements_after(tenant, after, min(PAGE, budget - scanned))
        if not page:
            break
        scanned += len(page)
        after = page[-1].seq
        found = collect(compiled, page)
        retracted.update(found.retracted)
        for evidence in found.adds:
            key = (outcome_index[evidence.outcome], evidence.criterion)
            matched[key].add((evidence.learner, evidence.statement_id.lower()))
        if scanned >= budget:
            complete = len(page) < PAGE and not await store.count_statements_after(tenant, after)
            break
    rows = []
    for plan in compiled.plans:
        for criterion in plan.criteria:
            kept = [
                pair for pair in matched[(plan.index, criterion.index)] if pair[1] not in retracted
            ]
            rows.append(
                CriterionPreview(
                    plan.outcome.id,
                    criterion.key,
                    statements=len({statement for _, statement in kept}),
                    learners=len({learner for learner, _ in kept}),
                )
            )
    return MapPreview(rows, scanned, complete)

"""Attainment of one outcome by one learner, computed from that learner's evidence (pure)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from service.model.outcomes import EvidenceRecord
from service.outcomes.compile import CompiledCriterion, Node, OutcomePlan


@dataclass(frozen=True, slots=True)
class Progress:
    """How far a criterion got: reached[k] is when the count first reached k + 1."""

    reached: list[int]
    statements: list[str]  # the statements behind the best count (at most `needed`)


@dataclass(frozen=True, slots=True)
class Attained:
    """An outcome attained: when, at which level, and the statements that prove it."""

    attained_ms: int
    level: int | None
    evidence: list[dict[str, Any]]


def progress(items: list[EvidenceRecord], criterion: CompiledCriterion, needed: int) -> Progress:
    """Count matches in time order, distinct activities and the `within` span applied."""
    ordered = sorted(items, key=lambda e: (e.timestamp_ms, e.seq))
    if criterion.spec.distinct_activities:
        ordered = _first_per_activity(ordered) if criterion.within_ms is None else ordered
    if criterion.within_ms is None:
        return Progress(
            [e.timestamp_ms for e in ordered], [e.statement_id for e in ordered[:needed]]
        )
    return _sliding(ordered, criterion.within_ms, criterion.spec.distinct_activities, needed)


def _first_per_activity(items: list[EvidenceRecord]) -> list[EvidenceRecord]:
    seen: set[str] = set()
    out = []
    for item in items:
        if item.activity not in seen:
            seen.add(item.activity)
            out.append(item)
    return out


def _sliding(items: list[EvidenceRecord], span_ms: int, distinct: bool, needed: int) -> Progress:
    """The best count inside any span of `span_ms`, and when each count was first reached."""
    reached: list[int] = []
    best_ids: list[str] = []
    counts: Counter[str] = Counter()
    left = 0
    for right, item in enumerate(items):
        counts[item.activity] += 1
        while item.timestamp_ms - items[left].timestamp_ms > span_ms:
            counts[items[left].activity] -= 1
            if counts[items[left].activity] == 0:
                del counts[items[left].activity]
            left += 1
        window = items[left : right + 1]
        count = len(counts) if distinct else len(window)
        if count > len(reached):
            reached.extend([item.timestamp_ms] * (count - len(reached)))
            chosen = _first_per_activity(window) if distinct else window
            best_ids = [e.statement_id for e in chosen[:needed]]
    return Progress(reached, best_ids)


def attainment(plan: OutcomePlan, evidence: dict[int, list[EvidenceRecord]]) -> Attained | None:
    """The outcome's attainment from a learner's evidence per criterion index, or None."""
    found = {
        c.index: progress(evidence.get(c.index, []), c, plan.needed[c.index]) for c in plan.criteria
    }
    attained = attained_at(plan.tree, plan.criteria, found)
    if attained is None:
        return None
    level = None
    if plan.level_criterion is not None:
        count = len(found[plan.level_criterion].reached)
        reached = [lv.level for lv in plan.outcome.levels if lv.at_least <= count]
        level = max(reached) if reached else None
    proof = [
        {
            "criterion": c.key,
            "count": len(found[c.index].reached),
            "needed": c.spec.at_least,
            "statements": found[c.index].statements,
        }
        for c in plan.criteria
        if found[c.index].reached
    ]
    return Attained(attained, level, proof)


def attained_at(
    node: Node, criteria: list[CompiledCriterion], found: dict[int, Progress]
) -> int | None:
    """When the node (a criterion or a group) was first satisfied, or None."""
    if isinstance(node, int):
        reached = found[node].reached
        needed = criteria[node].spec.at_least
        return reached[needed - 1] if len(reached) >= needed else None
    mode, children = node
    times = [attained_at(child, criteria, found) for child in children]
    if mode == "all":
        return None if any(t is None for t in times) else max(t for t in times if t is not None)
    present = [t for t in times if t is not None]
    return min(present) if present else None

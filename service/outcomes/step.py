"""One evaluation step: a page of stored statements in, evidence and attainments out.

Only the (learner, outcome) pairs the page touches are loaded and recomputed; a voiding
statement retracts its target's evidence and the attainments that relied on it, and so does
a statement deleted by retention or erasure (`retract_step`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import orjson

from service.model.outcomes import (
    AttainmentRecord,
    EvidenceRecord,
    OutcomeChanges,
    SeqStatement,
)
from service.outcomes import emit
from service.outcomes.compile import CompiledMap, statement_time_ms
from service.outcomes.evaluate import attainment
from service.outcomes.learners import credited_learners
from service.outcomes.lease import LeaseLostError
from service.store.ports import OutcomeEvaluationStore, StatementStore
from service.xapi.statement_index import VOIDED_VERB

Pair = tuple[str, str]  # (learner, outcome)


@dataclass(slots=True)
class _Collected:
    adds: list[EvidenceRecord] = field(default_factory=list)
    retracted: list[str] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)


def parse_body(item: SeqStatement) -> dict[str, Any]:
    """The statement of a page item read with its body."""
    assert item.body is not None
    parsed: dict[str, Any] = orjson.loads(item.body)
    return parsed


@dataclass(frozen=True, slots=True)
class StepContext:
    """What a step needs besides the page: where to write and the map version it serves."""

    store: OutcomeEvaluationStore
    statements: StatementStore  # where announcements are stored
    tenant: str
    version: int
    compiled: CompiledMap
    home_page: str
    statement_of: Callable[[SeqStatement], dict[str, Any]] = parse_body
    may_commit: Callable[[], Awaitable[bool]] | None = None  # the lease, checked last


def collect(
    compiled: CompiledMap,
    page: list[SeqStatement],
    statement_of: Callable[[SeqStatement], dict[str, Any]] = parse_body,
) -> _Collected:
    """Evidence the page adds and the statement ids its voiding statements retract."""
    out = _Collected()
    for item in page:
        if item.voided:
            continue  # a voided statement never counts (SR-20)
        statement = statement_of(item)
        if emit.is_engine_statement(statement):
            continue
        obj = statement["object"]
        if statement["verb"]["id"] == VOIDED_VERB and obj.get("objectType") == "StatementRef":
            out.retracted.append(obj["id"].lower())
            continue
        matched = compiled.match(statement)
        if not matched:
            continue
        at = statement_time_ms(statement)
        is_activity = obj.get("objectType", "Activity") == "Activity"
        activity = obj["id"] if is_activity else statement["id"]
        for learner, agent in credited_learners(statement["actor"]):
            if "name" in agent:
                out.names[learner] = agent["name"]
            for criterion in matched:
                outcome_id = compiled.plans[criterion.outcome].outcome.id
                out.adds.append(
                    EvidenceRecord(
                        learner,
                        outcome_id,
                        criterion.index,
                        statement["id"],
                        activity,
                        at,
                        item.seq,
                    )
                )
    return out


async def run_step(ctx: StepContext, page: list[SeqStatement]) -> bool:
    """Evaluate the page and commit its changes with the new cursor; True if it emitted.
    LeaseLostError if `may_commit` refuses."""
    collected = collect(ctx.compiled, page, ctx.statement_of)
    changes = OutcomeChanges(ctx.version, cursor=page[-1].seq, evaluated=len(page))
    emitted = False
    if collected.adds or collected.retracted:
        emitted = await _recompute(ctx, collected, changes)
    if ctx.may_commit is not None and not await ctx.may_commit():
        raise LeaseLostError(ctx.tenant)  # announcements stored already are equivalent re-posts
    await ctx.store.apply_outcome_changes(ctx.tenant, changes)
    return emitted


async def retract_step(ctx: StepContext, statement_ids: list[str]) -> bool:
    """Retract the evidence of statements that no longer exist, as their voiding would, and
    decide again the attainments that relied on it; the cursor stays. True if it emitted."""
    collected = _Collected(retracted=[statement_id.lower() for statement_id in statement_ids])
    changes = OutcomeChanges(ctx.version, cursor=0, evaluated=0)
    emitted = await _recompute(ctx, collected, changes)
    await ctx.store.apply_outcome_changes(ctx.tenant, changes)
    return emitted


async def _recompute(ctx: StepContext, collected: _Collected, changes: OutcomeChanges) -> bool:
    pairs = list(dict.fromkeys((e.learner, e.outcome) for e in collected.adds))
    snapshot = await ctx.store.load_outcome_evidence(
        ctx.tenant, ctx.version, pairs, collected.retracted
    )
    retracted = set(collected.retracted)
    evidence: dict[Pair, dict[tuple[int, str], EvidenceRecord]] = defaultdict(dict)
    for record in snapshot.evidence:
        if record.statement_id not in retracted:
            evidence[(record.learner, record.outcome)][(record.criterion, record.statement_id)] = (
                record
            )
    for record in collected.adds:
        evidence[(record.learner, record.outcome)][(record.criterion, record.statement_id)] = record
    touched = set(evidence) | set(snapshot.attainments) | set(pairs)
    plans = {plan.outcome.id: plan for plan in ctx.compiled.plans}
    announcements: list[dict[str, Any]] = []
    for learner, outcome_id in sorted(touched):
        by_criterion: dict[int, list[EvidenceRecord]] = defaultdict(list)
        for record in evidence.get((learner, outcome_id), {}).values():
            by_criterion[record.criterion].append(record)
        old = snapshot.attainments.get((learner, outcome_id))
        new = attainment(plans[outcome_id], by_criterion)
        if new is None:
            if old is not None:
                changes.delete_attainments.append((learner, outcome_id))
                announcements.extend(_voids(ctx, dict(old.emitted), above=None))
            continue
        emitted = dict(old.emitted) if old is not None else {}
        if ctx.compiled.map.emit.enabled:
            announcements.extend(_voids(ctx, emitted, above=new.level or 0))
            key = str(new.level or 0)
            if key not in emitted:
                statement = emit.attainment_statement(
                    ctx.home_page,
                    ctx.tenant,
                    ctx.compiled.map,
                    plans[outcome_id].outcome,
                    learner,
                    new.level,
                    new.attained_ms,
                )
                emitted[key] = statement["id"]
                announcements.append(statement)
        name = collected.names.get(learner) or (old.name if old is not None else None)
        updated = AttainmentRecord(
            learner, outcome_id, new.attained_ms, new.level, name, new.evidence, emitted
        )
        if updated != old:
            changes.put_attainments.append(updated)
    changes.add_evidence = collected.adds
    changes.retract_statements = collected.retracted
    if announcements:
        await emit.emit(ctx.statements, ctx.tenant, ctx.home_page, announcements)
    return bool(announcements)


def _voids(ctx: StepContext, emitted: dict[str, str], *, above: int | None) -> list[dict[str, Any]]:
    """Void (and forget) emitted statements of levels above `above`, or all of them for None."""
    doomed = [key for key in emitted if above is None or int(key) > above]
    voids = [emit.voiding_statement(ctx.home_page, emitted.pop(key)) for key in doomed]
    return voids

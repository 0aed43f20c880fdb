"""A map checked against the data: what each criterion would match over the last N days, and
which verbs and activity ids it names that the store has never seen (likely typos)."""

from __future__ import annotations

import difflib
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

import orjson

from service.model.statements import StatementQuery
from service.outcomes.compile import CompiledCriterion, CompiledMap
from service.outcomes.learners import learner_id
from service.store.ports import StatementStore

DAY_MS = 86_400_000
PAGE = 500
MAX_SCANNED = 20_000
MAX_LOOKUPS = 200


@dataclass(slots=True)
class _Seen:
    """What the scanned statements held."""

    scanned: int = 0
    complete: bool = True
    verbs: Counter[str] = field(default_factory=Counter)
    activities: set[str] = field(default_factory=set)
    statements: Counter[int] = field(default_factory=Counter)  # id(criterion) -> count
    learners: defaultdict[int, set[str]] = field(default_factory=lambda: defaultdict(set))


async def check_map(
    statements: StatementStore,
    tenant: str,
    compiled: CompiledMap,
    days: int,
    now_ms: int,
    floor: int,
) -> dict[str, Any]:
    """Per criterion: statements and learners matched in the window (learner counts below
    the minimum group size are not given), and its verbs and activity ids never stored."""
    seen = await _scan(statements, tenant, compiled, now_ms - days * DAY_MS)
    lookups: dict[tuple[str, str], bool] = {}
    criteria = []
    for plan in compiled.plans:
        for criterion in plan.criteria:
            learners = len(seen.learners[id(criterion)])
            criteria.append(
                {
                    "outcome": plan.outcome.id,
                    "criterion": criterion.key,
                    "statements": seen.statements[id(criterion)],
                    "learners": learners if learners == 0 or learners >= floor else None,
                    "unknown": await _unknown(statements, tenant, criterion, seen, lookups),
                }
            )
    return {
        "days": days,
        "scanned_statements": seen.scanned,
        "complete": seen.complete,
        "min_group_size": floor,
        "criteria": criteria,
    }


async def _scan(
    statements: StatementStore, tenant: str, compiled: CompiledMap, since_ms: int
) -> _Seen:
    """The newest statements stored since `since_ms` (at most MAX_SCANNED), matched."""
    seen = _Seen()
    after: int | None = None
    while True:
        query = StatementQuery(since_ms=since_ms, limit=PAGE, after_seq=after)
        page = await statements.query_statements(tenant, query)
        for body in page.bodies:
            statement = orjson.loads(body)
            seen.scanned += 1
            seen.verbs[statement["verb"]["id"]] += 1
            obj = statement["object"]
            if obj.get("objectType", "Activity") == "Activity":
                seen.activities.add(obj["id"])
            who = learner_id(statement["actor"]) or ""
            for criterion in compiled.match(statement):
                seen.statements[id(criterion)] += 1
                seen.learners[id(criterion)].add(who)
        if not page.has_more or page.last_seq is None:
            return seen
        if seen.scanned >= MAX_SCANNED:
            seen.complete = False
            return seen
        after = page.last_seq


async def _unknown(
    statements: StatementStore,
    tenant: str,
    criterion: CompiledCriterion,
    seen: _Seen,
    lookups: dict[tuple[str, str], bool],
) -> list[dict[str, str]]:
    """The criterion's verbs and activity ids that no stored statement has (prefixes: none
    in the scanned window), each with the closest one seen, if any."""
    found = []
    for verb in criterion.spec.verbs:
        if verb not in seen.verbs and not await _stored(statements, tenant, "verb", verb, lookups):
            found.append(_hint("verb", verb, seen.verbs))
    for pattern in criterion.spec.activities:
        if pattern.endswith("*"):
            if not any(a.startswith(pattern[:-1]) for a in seen.activities):
                found.append(_hint("activity prefix", pattern, seen.activities))
        elif pattern not in seen.activities and not await _stored(
            statements, tenant, "activity", pattern, lookups
        ):
            found.append(_hint("activity", pattern, seen.activities))
    return found


async def _stored(
    statements: StatementStore,
    tenant: str,
    kind: str,
    value: str,
    lookups: dict[tuple[str, str], bool],
) -> bool:
    """Whether any statement has this verb or object activity (an index lookup each)."""
    key = (kind, value)
    if key not in lookups:
        if len(lookups) >= MAX_LOOKUPS:
            return True  # not looked up: assumed present rather than guessed a typo
        query = (
            StatementQuery(limit=1, verb=value)
            if kind == "verb"
            else StatementQuery(limit=1, activity=value)
        )
        lookups[key] = bool((await statements.query_statements(tenant, query)).bodies)
    return lookups[key]


def _hint(kind: str, value: str, candidates: Any) -> dict[str, str]:
    close = difflib.get_close_matches(value, list(candidates), n=1, cutoff=0.8)
    out = {"kind": kind, "value": value, "message": f"no stored statement has this {kind}"}
    if close:
        out["did_you_mean"] = close[0]
    return out

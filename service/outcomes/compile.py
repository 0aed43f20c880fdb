"""Compile an outcome map into a matcher: which criteria does this statement feed?

Criteria are indexed by exact activity id or activity id prefix, or by verb id when they
name no activity, so a statement is checked only against the few criteria that can match it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from schemas.outcomes import CriteriaGroup, Criterion, Outcome, OutcomeMap
from service.model.clock import to_ms
from service.outcomes.durations import duration_ms
from service.xapi.datatypes import parse_timestamp
from service.xapi.equivalence import json_equal

Check = Callable[[dict[str, Any]], bool]
Node = int | tuple[str, list["Node"]]  # a criterion index, or ("all"|"any", children)


@dataclass(slots=True)
class CompiledCriterion:
    """One criterion of one outcome, with its statement checks prepared."""

    outcome: int
    index: int  # position in the outcome's criteria, depth first
    key: str  # the criterion id, or "#<index+1>"
    spec: Criterion
    within_ms: int | None
    checks: list[Check] = field(default_factory=list)

    def matches(self, statement: dict[str, Any]) -> bool:
        return all(check(statement) for check in self.checks)


@dataclass(slots=True)
class OutcomePlan:
    """An outcome's criteria tree and level thresholds, ready to evaluate."""

    index: int
    outcome: Outcome
    tree: Node
    criteria: list[CompiledCriterion]
    level_criterion: int | None
    needed: dict[int, int]  # criterion index -> the most matches anything asks of it


class CompiledMap:
    """The matcher of one map version; see the module docstring."""

    def __init__(self, outcome_map: OutcomeMap) -> None:
        self.map = outcome_map
        self.plans = [_plan(i, o) for i, o in enumerate(outcome_map.outcomes)]
        self._by_verb: dict[str, list[CompiledCriterion]] = {}
        self._by_activity: dict[str, list[CompiledCriterion]] = {}
        self._by_prefix: dict[int, dict[str, list[CompiledCriterion]]] = {}
        self._always: list[CompiledCriterion] = []
        for plan in self.plans:
            for criterion in plan.criteria:
                self._index(criterion)

    def _index(self, criterion: CompiledCriterion) -> None:
        """File the criterion under its most selective key: activity ids, else verbs."""
        spec = criterion.spec
        if spec.activities:
            for pattern in spec.activities:
                if pattern.endswith("*"):
                    prefix = pattern[:-1]
                    by_length = self._by_prefix.setdefault(len(prefix), {})
                    by_length.setdefault(prefix, []).append(criterion)
                else:
                    self._by_activity.setdefault(pattern, []).append(criterion)
        elif spec.verbs:
            for verb in spec.verbs:
                self._by_verb.setdefault(verb, []).append(criterion)
        else:
            self._always.append(criterion)

    def _candidates(self, statement: dict[str, Any]) -> Iterator[CompiledCriterion]:
        yield from self._by_verb.get(statement["verb"]["id"], ())
        yield from self._always
        obj = statement["object"]
        if obj.get("objectType", "Activity") != "Activity":
            return
        activity = obj["id"]
        yield from self._by_activity.get(activity, ())
        for length, prefixes in self._by_prefix.items():
            yield from prefixes.get(activity[:length], ())

    def match(self, statement: dict[str, Any]) -> list[CompiledCriterion]:
        """Every criterion this statement satisfies (each once)."""
        seen: set[int] = set()
        found: list[CompiledCriterion] = []
        for criterion in self._candidates(statement):
            if id(criterion) not in seen:
                seen.add(id(criterion))
                if criterion.matches(statement):
                    found.append(criterion)
        return found


def statement_time_ms(statement: dict[str, Any]) -> int:
    """The statement's timestamp (the store always sets one) in epoch milliseconds."""
    return to_ms(parse_timestamp(statement["timestamp"], "2.0.0"))


def _plan(index: int, outcome: Outcome) -> OutcomePlan:
    criteria: list[CompiledCriterion] = []
    tree = _tree(outcome.group, index, criteria)
    by_key = {c.key: c.index for c in criteria}
    level_criterion = None
    if outcome.levels:
        level_criterion = by_key[outcome.level_criterion] if outcome.level_criterion else 0
    needed = {c.index: c.spec.at_least for c in criteria}
    if level_criterion is not None:
        top = max(level.at_least for level in outcome.levels)
        needed[level_criterion] = max(needed[level_criterion], top)
    return OutcomePlan(index, outcome, tree, criteria, level_criterion, needed)


def _tree(group: CriteriaGroup, outcome: int, out: list[CompiledCriterion]) -> Node:
    children: list[Node] = []
    for item in group.items():
        if isinstance(item, CriteriaGroup):
            children.append(_tree(item, outcome, out))
        else:
            position = len(out)
            out.append(_compile(item, outcome, position))
            children.append(position)
    return ("all" if group.all is not None else "any", children)


def _compile(spec: Criterion, outcome: int, index: int) -> CompiledCriterion:
    window = spec.window
    within = duration_ms(window.within) if window and window.within else None
    criterion = CompiledCriterion(outcome, index, spec.id or f"#{index + 1}", spec, within)
    checks = criterion.checks
    if spec.verbs:
        verbs = frozenset(spec.verbs)
        checks.append(lambda s: s["verb"]["id"] in verbs)
    if spec.activities or spec.activity_types:
        checks.append(_object_check(spec))
    for role, patterns in (("parent", spec.parents), ("grouping", spec.groupings)):
        if patterns:
            checks.append(_context_check(role, patterns))
    if spec.result is not None:
        checks.append(_result_check(spec))
    if spec.extensions:
        checks.append(_extensions_check(spec.extensions))
    if window and (window.start or window.end):
        checks.append(_window_check(window.start, window.end))
    return criterion


def id_matcher(patterns: list[str]) -> Callable[[str], bool]:
    """Exact ids, or prefixes where a pattern ends with '*'."""
    exact = frozenset(p for p in patterns if not p.endswith("*"))
    prefixes = tuple(p[:-1] for p in patterns if p.endswith("*"))
    return lambda value: value in exact or value.startswith(prefixes)


def _object_check(spec: Criterion) -> Check:
    ids = id_matcher(spec.activities) if spec.activities else None
    types = frozenset(spec.activity_types)

    def check(statement: dict[str, Any]) -> bool:
        obj = statement["object"]
        if obj.get("objectType", "Activity") != "Activity":
            return False
        if ids is not None and not ids(obj["id"]):
            return False
        return not types or obj.get("definition", {}).get("type") in types

    return check


def _context_check(role: str, patterns: list[str]) -> Check:
    ids = id_matcher(patterns)

    def check(statement: dict[str, Any]) -> bool:
        activities = statement.get("context", {}).get("contextActivities", {}).get(role, ())
        return any(ids(activity["id"]) for activity in activities)

    return check


def _result_check(spec: Criterion) -> Check:
    condition = spec.result
    assert condition is not None
    max_duration = duration_ms(condition.max_duration) if condition.max_duration else None

    def check(statement: dict[str, Any]) -> bool:
        result = statement.get("result", {})
        if condition.success is not None and result.get("success") is not condition.success:
            return False
        if (
            condition.completion is not None
            and result.get("completion") is not condition.completion
        ):
            return False
        if condition.min_scaled is not None:
            scaled = result.get("score", {}).get("scaled")
            if scaled is None or scaled < condition.min_scaled:
                return False
        if max_duration is not None:
            taken = duration_ms(result["duration"]) if "duration" in result else None
            if taken is None or taken > max_duration:
                return False
        return True

    return check


def _extensions_check(wanted: dict[str, Any]) -> Check:
    def check(statement: dict[str, Any]) -> bool:
        places = (
            statement.get("result", {}).get("extensions", {}),
            statement.get("context", {}).get("extensions", {}),
            statement["object"].get("definition", {}).get("extensions", {}),
        )
        return all(
            any(key in place and json_equal(place[key], value) for place in places)
            for key, value in wanted.items()
        )

    return check


def _window_check(start: str | None, end: str | None) -> Check:
    low = to_ms(parse_timestamp(start, "2.0.0")) if start else None
    high = to_ms(parse_timestamp(end, "2.0.0")) if end else None

    def check(statement: dict[str, Any]) -> bool:
        at = statement_time_ms(statement)
        return (low is None or at >= low) and (high is None or at < high)

    return check

"""What storing a batch of statements means, decided once for every storage backend.

An adapter reads what a rule needs, hands it over, and writes what the rule answers, as
atomically as its store allows; the rules never touch a store. They cover duplicates and
equivalence (SR-4, SR-6), `stored` and the default `timestamp` (SR-11, SR-12), voiding
(SR-20..SR-22), filter keys flowing along StatementRefs (SR-43), canonical activity
definitions (RS-4) and the agents statements name (RS-6).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import orjson

from service.model.errors import ConflictError
from service.model.statements import NewStatement
from service.xapi.activities import adds_nothing, merge_definition
from service.xapi.agents import agent_key
from service.xapi.equivalence import statements_equivalent
from service.xapi.persons import ifi_of

K = TypeVar("K", bound=Hashable)  # a filter key as an adapter stores it


def conflict(statement_id: str) -> ConflictError:
    """The 409 for an id already stored with different content (SR-5)."""
    return ConflictError(f"statement {statement_id} already exists with different content")


def first_occurrences(statements: list[NewStatement]) -> list[NewStatement]:
    """The batch without repeated ids; a repeat must be equivalent to the first (SR-4, SR-6)."""
    seen: dict[str, NewStatement] = {}
    for new in statements:
        first = seen.get(new.id)
        if first is None:
            seen[new.id] = new
        elif not statements_equivalent(first.content(), new.content()):
            raise ConflictError(f"statement {new.id} appears twice with different content")
    return list(seen.values())


def not_stored_yet(
    statements: list[NewStatement], stored: Mapping[str, dict[str, Any] | NewStatement]
) -> list[NewStatement]:
    """The statements to insert: equivalent re-posts of `stored` ones are no-ops (SR-4, SR-6).

    Raises ConflictError for a repeated or stored id with different content.
    """
    fresh = []
    for new in first_occurrences(statements):
        before = stored.get(new.id)
        if isinstance(before, NewStatement):
            before = before.content()
        if before is None:
            fresh.append(new)
        elif not statements_equivalent(before, new.content()):
            raise conflict(new.id)
    return fresh


def stamped(statement: dict[str, Any], stored: str) -> dict[str, Any]:
    """A copy with `stored` set, and a missing `timestamp` set to the same value (SR-11, SR-12)."""
    return {**statement, "stored": stored, "timestamp": statement.get("timestamp", stored)}


def stamped_body(body: bytes, stored: str, *, has_timestamp: bool) -> bytes:
    """`orjson.dumps(stamped(statement, stored))` from `orjson.dumps(statement)`, unparsed:
    the statement has no `stored`, and `stamped` adds its keys last."""
    tail = b',"stored":' + orjson.dumps(stored)
    if not has_timestamp:
        tail += b',"timestamp":' + orjson.dumps(stored)
    return body[:-1] + tail + b"}"


@dataclass(frozen=True, slots=True)
class Voiding:
    """Which statements a batch voids: its targets, and its own statements already targeted.

    A voiding statement may arrive before its target (SR-22), so the store is asked which of
    the batch's plain statements earlier voiding statements name (`exposed`).
    """

    targets: frozenset[str]  # ids this batch's voiding statements void (SR-20)
    exposed: tuple[str, ...]  # this batch's non-voiding statements, which may be targets

    @classmethod
    def of(cls, batch: Iterable[tuple[str, str | None]]) -> Voiding:
        """From (statement id, id it voids or None) of each new statement."""
        targets: set[str] = set()
        exposed: list[str] = []
        for statement_id, voids in batch:
            if voids is None:
                exposed.append(statement_id)
            else:
                targets.add(voids)
        return cls(frozenset(targets), tuple(exposed))

    def voided(self, targeted_earlier: Iterable[str]) -> set[str]:
        """Every id to mark voided, given the `exposed` ids earlier voiding statements name.

        A voiding statement itself is never voided (SR-21): the store marks only non-voiding
        statements.
        """
        return set(self.targets).union(targeted_earlier)


def inherited_keys(
    batch: Iterable[tuple[str, str | None, set[K]]], stored_targets: Mapping[str, set[K]]
) -> dict[str, set[K]]:
    """Each statement's filter keys, with those of the statement it refers to (SR-43).

    `batch` is (id, StatementRef target or None, own keys) in statement order; a target earlier
    in the batch passes on what it inherited itself, and `stored_targets` holds the keys of
    targets as the store has them (both count: another writer may have added to a stored one).
    """
    keys: dict[str, set[K]] = {}
    for statement_id, target, own in batch:
        if target is not None:
            own = own | keys.get(target, set()) | stored_targets.get(target, set())
        keys[statement_id] = own
    return keys


class KeySpread(Generic[K]):
    """Filter keys flowing down to statements that referred to these before they arrived (SR-43).

    Driven by the adapter: `wanted()` names the statements whose referrers to read next, and
    `take()` receives those referrers and answers which of them gain which keys; repeat until
    `wanted()` is empty. Chains of references are followed to their end, each referrer once
    per new key.
    """

    def __init__(self, keys_by_id: Mapping[str, set[K]]) -> None:
        self._keys = {statement_id: set(keys) for statement_id, keys in keys_by_id.items()}
        self._wanted = list(self._keys)

    def wanted(self) -> list[str]:
        wanted, self._wanted = self._wanted, []
        return wanted

    def take(self, referrers: Iterable[tuple[str, str, set[K]]]) -> list[tuple[str, set[K]]]:
        """(referrer id, target id, its stored keys) → (referrer id, keys it gains), to write."""
        gains: list[tuple[str, set[K]]] = []
        for referrer, target, stored in referrers:
            own = self._keys.get(referrer, stored)
            added = self._keys[target] - own
            if not added:
                continue
            self._keys[referrer] = own | added
            gains.append((referrer, added))
            self._wanted.append(referrer)
        return gains

    def keys_of(self, statement_id: str) -> set[K]:
        """All keys of a statement as the spread knows them (its own and what it gained)."""
        return self._keys[statement_id]


def merged_definitions(
    incoming: Iterable[tuple[str, dict[str, Any]]],
    stored: Mapping[str, dict[str, Any]],
) -> dict[str, dict[str, Any]]:
    """The canonical definitions that change: each stored one with the batch's folded in, in
    statement order (RS-4); an activity seen for the first time is always written."""
    pending: dict[str, list[dict[str, Any]]] = {}
    for activity_id, definition in incoming:
        pending.setdefault(activity_id, []).append(definition)
    changed: dict[str, dict[str, Any]] = {}
    for activity_id, definitions in pending.items():
        before = stored.get(activity_id)
        merged = before if before is not None else {}
        for definition in definitions:
            if definition != merged and not adds_nothing(merged, definition):
                merged = merge_definition(merged, definition)
        # `is not` settles the usual case; a merge may also come back to what was stored
        if before is None or (merged is not before and merged != before):
            changed[activity_id] = merged
    return changed


@dataclass(slots=True)
class AgentSighting:
    """An identified agent a batch names: its IFI and the names used with it (RS-6)."""

    ifi: dict[str, Any]
    names: list[str]


def agent_sightings(agents: Iterable[dict[str, Any]]) -> dict[str, AgentSighting]:
    """The batch's identified agents by agent key, each name once, in order of appearance."""
    sightings: dict[str, AgentSighting] = {}
    for agent in agents:
        key = agent_key(agent)
        if key is None:
            continue
        sighting = sightings.get(key)
        if sighting is None:
            sighting = sightings[key] = AgentSighting(ifi_of(agent), [])
        name = agent.get("name")
        if isinstance(name, str) and name not in sighting.names:
            sighting.names.append(name)
    return sightings

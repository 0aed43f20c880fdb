"""The batches the crash test sends, and what became of each one.

Every statement carries a tag (a context extension) unique in the run, so a stored statement
can be matched to the batch that sent it even when the LRS chose its id; every statement of a
cycle carries that cycle's verb, so one filtered query pages exactly the statements of a cycle.
About one statement in five has no client-chosen id.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from typing import Any

TAG = "https://crashtest.example.com/extensions/tag"
VERB_PREFIX = "https://crashtest.example.com/verbs/cycle-"
ADDED_BY_LRS = ("stored", "authority", "version")  # the LRS adds these; the rest is as sent


def cycle_verb(cycle: int) -> str:
    return f"{VERB_PREFIX}{cycle}"


@dataclass(slots=True)
class Batch:
    """One POST of statements; `ids` is set when the LRS acknowledged it (200 with ids)."""

    cycle: int
    name: str
    statements: list[dict[str, Any]]
    ids: list[str] | None = None
    stored: bool | None = None  # for unacknowledged batches: found whole (True) or not at all
    problem: str = ""

    @property
    def tags(self) -> list[str]:
        return [s["context"]["extensions"][TAG] for s in self.statements]


@dataclass(slots=True)
class Ledger:
    """Every batch of the run and the statements known to be stored (tag -> id)."""

    batches: list[Batch] = field(default_factory=list)
    stored: dict[str, str] = field(default_factory=dict)
    sent: dict[str, dict[str, Any]] = field(default_factory=dict)

    def add(self, batch: Batch) -> None:
        self.batches.append(batch)
        for tag, statement in zip(batch.tags, batch.statements, strict=True):
            self.sent[tag] = statement

    def of_cycle(self, cycle: int) -> list[Batch]:
        return [batch for batch in self.batches if batch.cycle == cycle]


def make_batch(rng: random.Random, cycle: int, name: str, size: int) -> Batch:
    """`size` valid statements, each tagged `name.i`, most with a client-chosen id."""
    statements = [_statement(rng, cycle, f"{name}.{i}") for i in range(size)]
    return Batch(cycle, name, statements)


def _statement(rng: random.Random, cycle: int, tag: str) -> dict[str, Any]:
    learner, module = rng.randrange(500), rng.randrange(60)
    statement: dict[str, Any] = {
        "actor": {
            "objectType": "Agent",
            "name": f"Learner {learner}",
            "mbox": f"mailto:learner{learner}@crashtest.example.com",
        },
        "verb": {"id": cycle_verb(cycle), "display": {"en-US": "attempted"}},
        "object": {
            "objectType": "Activity",
            "id": f"https://crashtest.example.com/modules/{module}",
            "definition": {"name": {"en-US": f"Module {module}"}},
        },
        "result": {
            "score": {"scaled": round(rng.random(), 3)},
            "success": rng.random() < 0.7,
            "completion": True,
            "duration": f"PT{rng.randrange(1, 4000)}S",
        },
        "context": {
            "registration": str(_uuid(rng)),
            "extensions": {TAG: tag},
        },
        "timestamp": f"2026-01-{rng.randrange(1, 29):02d}T10:{rng.randrange(60):02d}:00.000Z",
    }
    if rng.random() < 0.8:
        statement["id"] = str(_uuid(rng))
    return statement


def _uuid(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def as_sent(returned: dict[str, Any], sent: dict[str, Any]) -> dict[str, Any]:
    """`returned` without what the LRS adds (and without the id it chose, if it chose one)."""
    drop = set(ADDED_BY_LRS) | ({"id"} if "id" not in sent else set())
    return {key: value for key, value in returned.items() if key not in drop}

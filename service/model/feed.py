"""Records the change feed reads through its port: statements in commit order and tombstones."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

TombstoneAction = Literal["deleted", "pseudonymised", "attainment_deleted"]


@dataclass(frozen=True, slots=True)
class FeedStatement:
    """One committed statement and what the feed needs to place its void rows.

    `voids_seq` is the sequence number of the statement this one voids, when that statement is
    stored (None when it voids nothing or its target has not arrived); `voided_by` is the id and
    sequence number of a voiding statement stored *before* this one (a voiding statement may
    arrive before its target, SR-22), else None.
    """

    seq: int
    statement_id: str
    body: bytes
    voids: str | None
    voids_seq: int | None
    voided_by: tuple[str, int] | None
    original_timestamp: str | None = None  # `timestamp` as sent, when V-12 rewrote it


@dataclass(frozen=True, slots=True)
class FeedStatements:
    """Statements after a cursor, and the low-water mark of committed sequence numbers.

    Every sequence number at or below `through_seq` belongs to a committed statement, to one
    that will never be visible (an aborted batch, an equivalent re-post, an erased statement),
    or to another tenant: a later read never finds a new statement at or below it. When `rows`
    is shorter than the limit asked for, the reader may move its cursor up to `through_seq`.
    """

    rows: list[FeedStatement]
    through_seq: int


@dataclass(frozen=True, slots=True)
class Tombstone:
    """A statement deleted (erasure, retention) or pseudonymised (erasure), or an erased
    learner's attainment change (`attainment_deleted`, by its `change_id`), not naming anyone.

    `id` grows in commit order; `seq` is the statement's own sequence number (0 when unknown,
    for tombstones written before the feed existed), so a feed shows the tombstone after it;
    for an attainment change, the evaluation cursor of the step that logged it.
    """

    id: int
    statement_id: str | None
    seq: int
    action: TombstoneAction
    reason: str
    at_ms: int
    body: bytes | None = None  # a pseudonymised statement's body as stored now
    change_id: int | None = None  # the attainment change an erasure deleted

"""The change feed (issue 19): statements, voids, tombstones and attainments in commit order.

One pull reads, in this order: the void row still owed to the statement at the cursor (a
client resumed from that statement's own cursor), the tombstones and attainment changes whose
statement the reader has already passed, then statements after the cursor (each voiding one
followed by its `void` row), then the tombstones and attainment changes those statements
made eligible. A tombstone is shown after the statement it concerns and an attainment after
the statements it was evaluated from, so a warehouse applying rows in order never sees a
change before its subject. See `feed_cursor` for why no row is ever skipped or repeated.

Erasing a learner deletes their attainment changes from the log, so a pull from the start no
longer shows them, and leaves one `erasure` row per change (`attainment_deleted`) that names
only its `change_id`: a warehouse drops the attainment rows with those ids.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import orjson

from service.model.feed import FeedStatement, Tombstone
from service.model.outcomes import AttainmentChange, MapVersion
from service.outcomes.export import flatten_statement
from service.statements.feed_cursor import FeedCursor
from service.store.ports import FeedStore, OutcomeEvaluationStore, OutcomeReportStore
from service.xapi.timestamps import format_ms

DEFAULT_LIMIT = 1000
MAX_LIMIT = 5000  # a pull's rows are held in memory (its X-Next-Cursor goes before them)
READ_PAGE = 1000  # statements per store read


@dataclass(frozen=True, slots=True)
class FeedSources:
    """The ports a feed reads; `attainments` and `maps` are None where outcomes are not kept."""

    feed: FeedStore
    attainments: OutcomeReportStore | None = None
    maps: OutcomeEvaluationStore | None = None


@dataclass(frozen=True, slots=True)
class FeedPage:
    """Rows (each with its own `cursor`) and the cursor to pull from next."""

    rows: list[dict[str, Any]]
    next_cursor: FeedCursor


class _Pull:
    """One pull's rows and the cursor after the last of them."""

    def __init__(self, sources: FeedSources, tenant: str, cursor: FeedCursor, limit: int) -> None:
        self.sources, self.tenant, self.cursor, self.limit = sources, tenant, cursor, limit
        self.rows: list[dict[str, Any]] = []
        self._maps: dict[int, MapVersion] | None = None

    @property
    def room(self) -> int:
        return self.limit - len(self.rows)

    def emit(self, row: dict[str, Any], cursor: FeedCursor) -> None:
        self.cursor = cursor
        self.rows.append({**row, "cursor": cursor.encode()})

    async def owed_void(self) -> None:
        if self.cursor.part == 1:
            return
        page = await self.sources.feed.feed_statements(self.tenant, self.cursor.seq - 1, 1)
        found = [r for r in page.rows if r.seq == self.cursor.seq]
        done = dataclasses.replace(self.cursor, part=1)
        void = _void_row(found[0]) if found else None
        if void is None:
            self.cursor = done
        else:
            self.emit(void, done)

    async def statements(self) -> None:
        while self.room > 0:
            asked = min(self.room, READ_PAGE)
            page = await self.sources.feed.feed_statements(self.tenant, self.cursor.seq, asked)
            for statement in page.rows:
                void = _void_row(statement)
                at = dataclasses.replace(self.cursor, seq=statement.seq, part=0 if void else 1)
                self.emit(_statement_row(statement, self.tenant), at)
                if void is not None:  # never cut between a statement and its void row
                    self.emit(void, dataclasses.replace(at, part=1))
            if len(page.rows) < asked:
                if page.through_seq > self.cursor.seq:
                    # every statement up to the low-water mark was read: pass the gaps too
                    self.cursor = dataclasses.replace(self.cursor, seq=page.through_seq, part=1)
                return

    async def tombstones(self) -> None:
        after = self.cursor.tombstone
        while self.room > 0:
            found = await self.sources.feed.feed_tombstones(self.tenant, after, self.room)
            for tombstone in found:
                if tombstone.seq > self.cursor.seq:
                    return  # its statement is not shown yet: the rest waits for it
                row = _erasure_row(tombstone, self.tenant)
                self.emit(row, dataclasses.replace(self.cursor, tombstone=tombstone.id))
            if not found:
                return
            after = found[-1].id

    async def attainments(self) -> None:
        store = self.sources.attainments
        if store is None:
            return
        while self.room > 0:
            found = await store.attainment_changes(self.tenant, self.cursor.attainment, self.room)
            for change in found:
                if change.seq > self.cursor.seq:
                    return
                row = await self._attainment_row(change)
                self.emit(row, dataclasses.replace(self.cursor, attainment=change.id))
            if not found:
                return

    async def _attainment_row(self, change: AttainmentChange) -> dict[str, Any]:
        if self._maps is None:
            versions = (
                await self.sources.maps.list_outcome_maps(self.tenant) if self.sources.maps else []
            )
            self._maps = {v.version: v for v in versions}
        version = self._maps.get(change.version)
        return {
            "kind": change.kind,
            "map": version.name if version else None,
            "map_version": version.number if version else None,
            "outcome": change.outcome,
            "outcome_name": _outcome_name(version, change.outcome),
            "learner": change.learner,
            "level": change.level,
            "evidence_count": change.evidence_count,
            "attained_at": None if change.attained_ms is None else format_ms(change.attained_ms),
            "changed_at": format_ms(change.at_ms),
            "tenant": self.tenant,
            "change_id": change.id,
        }


async def pull(
    sources: FeedSources, tenant: str, cursor: FeedCursor, limit: int = DEFAULT_LIMIT
) -> FeedPage:
    """Up to `limit` rows after `cursor` (one more when a statement's void row goes with it)."""
    step = _Pull(sources, tenant, cursor, max(1, min(limit, MAX_LIMIT)))
    await step.owed_void()
    await step.tombstones()
    await step.attainments()
    await step.statements()
    await step.tombstones()
    await step.attainments()
    return FeedPage(step.rows, step.cursor)


def _statement_row(statement: FeedStatement, tenant: str) -> dict[str, Any]:
    parsed = orjson.loads(statement.body)
    return {
        **flatten_statement(parsed, tenant, statement.original_timestamp),
        "kind": "statement",
        "statement": statement.body.decode(),
    }


def _void_row(statement: FeedStatement) -> dict[str, Any] | None:
    """The void row that goes after this statement: it voids an earlier stored statement, or
    an earlier voiding statement named it (SR-22: a voiding statement may come first)."""
    voids_earlier = statement.voids_seq is not None and statement.voids_seq < statement.seq
    if statement.voids is not None and voids_earlier:
        return {
            "kind": "void",
            "id": statement.voids,
            "voiding_statement_id": statement.statement_id,
        }
    if statement.voided_by is not None:
        return {
            "kind": "void",
            "id": statement.statement_id,
            "voiding_statement_id": statement.voided_by[0],
        }
    return None


def _erasure_row(tombstone: Tombstone, tenant: str) -> dict[str, Any]:
    row: dict[str, Any] = {}
    if tombstone.body is not None:
        row = {
            **flatten_statement(orjson.loads(tombstone.body), tenant),
            "statement": tombstone.body.decode(),
        }
    return {
        **row,
        "kind": "erasure",
        "id": tombstone.statement_id,
        "tenant": tenant,
        "erasure_action": tombstone.action,
        "erasure_reason": tombstone.reason,
        "changed_at": format_ms(tombstone.at_ms),
        "change_id": tombstone.change_id,
    }


def _outcome_name(version: MapVersion | None, outcome: str) -> str | None:
    if version is None:
        return None
    for item in version.document.get("outcomes", []):
        if isinstance(item, dict) and item.get("id") == outcome:
            name = item.get("name")
            return name if isinstance(name, str) else None
    return None

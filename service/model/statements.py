"""Plain records that cross the storage port (statements as validated dicts, rule 6)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any

import orjson

Uploaded = tuple[str, ...] | None
"""The sha2s of a stored statement's attachments whose data came in the request that stored it
(AT-20); None when none did, or for a statement stored before stores recorded it (SQLite
schema < 3, MongoDB documents without `up`): `service.xapi.attachment_parts` decides those."""


class KeyKind(IntEnum):
    """What an indexed statement key means; queries are lookups on (tenant, kind, key) (SR-42)."""

    AGENT = 1  # actor or object is this agent (or a group with it as member)
    RELATED_AGENT = 2  # the agent appears anywhere related_agents=true looks
    VERB = 3
    ACTIVITY = 4  # the object is this activity
    RELATED_ACTIVITY = 5  # the activity appears anywhere related_activities=true looks
    REGISTRATION = 6
    AUTHORITY = 7  # the statement's authority: what `statements/read/mine` filters on (AU-5)


@dataclass(slots=True)
class StatementIndex:
    """What queries need to know about one statement, computed before it is stored."""

    keys: set[tuple[KeyKind, str]]
    ref_target: str | None  # StatementRef object id, for filter propagation (SR-43)
    voids: str | None  # target id when this is a voiding statement (SR-20)
    definitions: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    agents: list[dict[str, Any]] = field(default_factory=list)  # identified agents seen (RS-6)
    authority: str | None = None  # agent key of the authority; never inherited through refs


@dataclass(slots=True)
class NewStatement:
    """A validated, prepared statement waiting for `stored` (assigned in the write transaction)."""

    id: str
    statement: dict[str, Any]
    index: StatementIndex
    seq: int | None = None  # set by the store when it inserts this statement (not a duplicate)
    stored: str | None = None  # set with `seq`: the `stored` value it received
    original_timestamp: str | None = None  # `timestamp` as sent, when V-12 rewrote it
    # The statement as JSON (without `stored`) when it arrived serialized, as in a statement
    # writer process: `statement` is then empty until `content()` parses it, which a write
    # needs only for rare paths (repeated ids, forwarding filters, attachments).
    body: bytes | None = None
    has_timestamp: bool = True  # with `body`: whether the statement has a `timestamp`

    def content(self) -> dict[str, Any]:
        """The statement as a dict, parsed from `body` the first time if need be."""
        if self.body is not None and not self.statement:
            self.statement = orjson.loads(self.body)
        return self.statement


@dataclass(frozen=True, slots=True)
class StoredAttachment:
    """Raw attachment data, content-addressed by its sha2 (AT-4)."""

    sha2: str
    content_type: str
    data: bytes


@dataclass(frozen=True, slots=True)
class StatementWrite:
    """One request's statements for one tenant and the attachment data sent with them (AT-20).

    Built once from a validated request body, it travels unchanged from the statement service
    to the adapter, which stores it all-or-nothing (SR-4, V-46).
    """

    tenant: str
    statements: list[NewStatement]
    attachments: list[StoredAttachment]


NO_SEQ = 2**62  # above every sequence number a store hands out


@dataclass(frozen=True, slots=True)
class StatementQuery:
    """A statement query with every filter already validated and normalized (SR-41)."""

    agent: str | None = None
    related_agents: bool = False
    verb: str | None = None
    activity: str | None = None
    related_activities: bool = False
    registration: str | None = None
    since_ms: int | None = None  # exclusive
    until_ms: int | None = None  # inclusive
    limit: int = 100
    ascending: bool = False
    after_seq: int | None = None  # paging cursor: the last sequence number already returned
    authority: str | None = None  # agent key of the authority (`statements/read/mine`)
    through_seq: int | None = None  # ascending `more`: the newest seq when paging began

    def seq_range(self, since_seq: int, until_seq: int | None) -> tuple[int, int]:
        """An exclusive-low, inclusive-high `seq` range from the store's since/until bounds.

        `since_seq`/`until_seq` are the newest sequence numbers stored by `since`/`until`
        (`stored` never decreases as `seq` grows, SR-45); the paging cursor narrows them.
        """
        low, high = since_seq, NO_SEQ if until_seq is None else until_seq
        if self.through_seq is not None:
            high = min(high, self.through_seq)
        if self.after_seq is not None:
            if self.ascending:
                low = max(low, self.after_seq)
            else:
                high = min(high, self.after_seq - 1)
        return low, high

    def filter_keys(self) -> list[tuple[KeyKind, str]]:
        """The index keys every result must carry."""
        keys: list[tuple[KeyKind, str]] = []
        if self.agent is not None:
            kind = KeyKind.RELATED_AGENT if self.related_agents else KeyKind.AGENT
            keys.append((kind, self.agent))
        if self.verb is not None:
            keys.append((KeyKind.VERB, self.verb))
        if self.activity is not None:
            kind = KeyKind.RELATED_ACTIVITY if self.related_activities else KeyKind.ACTIVITY
            keys.append((kind, self.activity))
        if self.registration is not None:
            keys.append((KeyKind.REGISTRATION, self.registration))
        if self.authority is not None:
            keys.append((KeyKind.AUTHORITY, self.authority))
        return keys


@dataclass(frozen=True, slots=True)
class StatementPage:
    """Stored statement bodies, exactly as stored, in query order."""

    bodies: list[bytes]
    uploaded: list[Uploaded]  # per body, in the same order
    last_seq: int | None
    has_more: bool
    newest_stored_ms: int | None = None
    # Set on an ascending page with more to come: where its `more` token stops, so that
    # paging ends at the statements stored when it began instead of chasing new ones.
    through_seq: int | None = None
    originals: list[str | None] = field(default_factory=list)  # per body: `timestamp` as sent


@dataclass(frozen=True, slots=True)
class StoredStatement:
    body: bytes
    stored_ms: int
    uploaded: Uploaded
    original_timestamp: str | None = None  # `timestamp` as sent, when V-12 rewrote it

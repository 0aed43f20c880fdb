"""Document and agent records that cross the storage port (D-1, D-21, D-30, D-40, RS-6)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum, IntEnum
from typing import Any


class DocumentKind(IntEnum):
    """Which document resource a record belongs to; each has its own key space."""

    STATE = 1
    ACTIVITY_PROFILE = 2
    AGENT_PROFILE = 3


@dataclass(frozen=True, slots=True)
class DocumentScope:
    """The key of a document without its id: what an id list or a delete-all covers.

    `agent` is a normalized agent key (D-8); unused parts are "". `registration` is lower-cased;
    None means "no registration" in a DocumentKey but "any registration" in a list or
    delete-all (D-21, D-22, D-23).
    """

    kind: DocumentKind
    activity_id: str = ""
    agent: str = ""
    registration: str | None = None


@dataclass(frozen=True, slots=True)
class DocumentKey:
    """One document: its scope plus the stateId or profileId."""

    scope: DocumentScope
    document_id: str


@dataclass(frozen=True, slots=True)
class StoredDocument:
    """Opaque bytes with their Content-Type, ETag (unquoted SHA-1 hex) and update time (D-1)."""

    content: bytes
    content_type: str
    etag: str
    updated_ms: int


@dataclass(frozen=True, slots=True)
class DocumentIds:
    """The ids of a scope in id order, and the newest `updated` among them (D-9, T-17)."""

    ids: list[str]
    newest_updated_ms: int | None


@dataclass(frozen=True, slots=True)
class Preconditions:
    """Parsed If-Match / If-None-Match values (T-16); None when the header is absent."""

    if_match: tuple[str, ...] | None = None
    if_none_match: tuple[str, ...] | None = None

    @property
    def given(self) -> bool:
        return self.if_match is not None or self.if_none_match is not None


class WriteMode(Enum):
    PUT = "PUT"
    POST = "POST"  # shallow JSON merge into an existing document, else create (D-4, D-6)


@dataclass(frozen=True, slots=True)
class PutPolicy:
    """What a PUT carrying neither precondition header gets (D-12, X-10, X-11)."""

    conflict_if_exists: bool
    reject_if_missing: bool


@dataclass(frozen=True, slots=True)
class DocumentWrite:
    """A PUT or POST body with everything needed to decide it atomically inside the store."""

    content: bytes
    content_type: str
    mode: WriteMode
    preconditions: Preconditions
    put_policy: PutPolicy
    json_object: dict[str, Any] | None = field(default=None, compare=False)


MAX_NAMES = 16  # names beyond this many per agent are not recorded (by every store)


@dataclass(frozen=True, slots=True)
class KnownAgent:
    """An agent the store has seen in statements: its IFI and the names used with it (RS-6)."""

    key: str
    ifi: dict[str, Any]
    names: list[str]  # at most MAX_NAMES

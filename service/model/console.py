"""Records of the console: signed-in sessions and the ingest overview's counts."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SignedInPerson:
    """A person signed in through single sign-on: the OP's subject and what their claim granted."""

    subject: str
    name: str
    tenant: str
    scopes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class SessionRecord:
    """One console session; the store keeps only a hash of the id the browser holds.

    A credential's session names its key; a single sign-on session has no credential (key "")
    and names the `person` instead, its stamp a digest of the SSO configuration that granted it.
    """

    id_hash: str
    credential_key: str
    secret_stamp: str  # a digest of the credential's secret hash: a rotation ends the session
    csrf_token: str
    created_ms: int
    seen_ms: int
    person: SignedInPerson | None = None


@dataclass(frozen=True, slots=True)
class IngestDay:
    """Statements stored on one UTC day under one authority (the credential that sent them)."""

    authority: str  # the authority's agent key
    day_ms: int  # midnight UTC that starts the day
    count: int


@dataclass(frozen=True, slots=True)
class LastIngest:
    """When an authority last had a statement stored."""

    authority: str
    stored_ms: int

"""Transfer: a whole store copied record by record to another (`python -m service migrate`).

Records are plain dicts in one neutral shape per kind, the same for every adapter; each kind
is exported in a stable order in chunks after a cursor, and imported idempotently (a record
already in the target, by its natural key, is skipped), so an interrupted copy can run again.

Kinds and their fields (identity first):

- `tenants`: name, enabled, created, limits {rate_per_second, burst, max_batch_statements,
  max_body_bytes};
- `credentials`: key, tenant, name, secret_hash, scopes, enabled, created, last_used, limits;
- `activities`: tenant, id, definition (JSON bytes);
- `agents`: tenant, key, ifi (dict), names (list);
- `attachments`: tenant, sha2, content_type, data;
- `documents`: tenant, kind, activity_id, agent, registration, document_id, content_type,
  content, etag, updated;
- `statements`: tenant, id, stored, voided, ref, voids, body, keys [[kind, key]] (inherited
  ones included), authority (its key, or None), uploaded;
- `forward_targets`: id, tenant, name, kind, url, username, password, xapi_version, filter,
  enabled, created, failures, next_attempt, last_error, delivered, last_delivered;
- `outbox`: tenant, target_id, statement_id, attempts, dead, last_error, created;
- `erasures`: id, tenant, agent_hash, erased_by, erased, counts;
- `outcome_maps`: tenant, version, name, number, created, status, document (dict); a copy
  starts evaluating at the first statement again (cursors are sequence numbers of the source);
- `outcome_roster`: tenant, learner, valid_from, valid_to (None: still), name and the roster
  fields (the history; the current roster and stints are derived from it);
- `outcome_kpis`: tenant, kpi, org_unit, period, value;
- `outcome_evidence`: tenant, version, learner, outcome, criterion, statement_id, activity,
  ts, seq (the source's);
- `outcome_attainments`: tenant, version, outcome, learner, attained, level, name, evidence,
  emitted.

Statements are exported in `stored` order and imported in the order given, so `more` paging,
`since`/`until` and `statements/read/mine` (the `authority` key) behave the same afterwards.
`outbox` rows name their statement by id: the target store finds its own sequence number.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, Protocol

Record = dict[str, Any]
Cursor = Any  # JSON-serializable, opaque to everything but the adapter that made it

KINDS = (
    "tenants",
    "credentials",
    "activities",
    "agents",
    "attachments",
    "documents",
    "statements",
    "forward_targets",
    "outbox",
    "erasures",
)
OUTCOME_KINDS = (  # after statements: evaluation state refers to them
    "outcome_maps",
    "outcome_roster",
    "outcome_kpis",
    "outcome_evidence",
    "outcome_attainments",
)
_OUTCOME_KEYS = {
    "outcome_maps": ("version",),
    "outcome_roster": ("learner", "valid_from"),
    "outcome_kpis": ("kpi", "org_unit", "period"),
    "outcome_evidence": ("version", "learner", "outcome", "criterion", "statement_id"),
    "outcome_attainments": ("version", "outcome", "learner"),
}


def identity(kind: str, record: Record) -> tuple[str, str]:
    """(tenant, id) of a record: what the verification counts and checksums."""
    if kind == "tenants":
        return record["name"], record["name"]
    if kind == "credentials":
        return record["tenant"], record["key"]
    if kind == "agents":
        return record["tenant"], record["key"]
    if kind == "attachments":
        return record["tenant"], record["sha2"]
    if kind == "documents":
        parts = ("kind", "activity_id", "agent", "registration", "document_id")
        return record["tenant"], "\x1f".join(str(record[p]) for p in parts)
    if kind == "outbox":
        return record["tenant"], f"{record['target_id']}:{record['statement_id']}"
    if kind in _OUTCOME_KEYS:
        return record["tenant"], "\x1f".join(str(record[p]) for p in _OUTCOME_KEYS[kind])
    return record["tenant"], str(record["id"])


class Transfer(Protocol):
    """Bulk export and idempotent import of every kind of record a store keeps."""

    async def export_records(
        self, kind: str, after: Cursor, limit: int
    ) -> tuple[list[Record], Cursor]:
        """Up to `limit` records after the cursor (None: from the start), and the next cursor."""
        ...

    async def import_records(self, kind: str, records: list[Record]) -> int:
        """Store records not there yet, in the order given; how many were new."""
        ...

    def identities(self, kind: str) -> AsyncIterator[tuple[str, str]]:
        """(tenant, id) of every record of the kind, in any order (the verification)."""
        ...

    async def read_marks(self) -> dict[str, Cursor]:
        """Per kind, the source cursor up to which a copy into this store got (resume)."""
        ...

    async def write_mark(self, kind: str, cursor: Cursor) -> None: ...

    async def uncopied(self) -> dict[str, int]:
        """Records of outcome tables or collections this tool does not copy (none today: a
        guard for those added later); the copy refuses to leave them behind silently."""
        ...

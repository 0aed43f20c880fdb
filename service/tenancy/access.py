"""What a principal's scopes and limits mean for statement requests (AU-3, AU-5, issue 5)."""

from __future__ import annotations

from typing import Any

import orjson

from service.model.errors import PayloadTooLargeError
from service.model.statements import NewStatement
from service.tenancy.auth import Principal
from service.xapi.agents import agent_key
from service.xapi.persons import ifi_of

FULL_READ_SCOPES = ("statements/read", "all/read")
READ_SCOPES = (*FULL_READ_SCOPES, "statements/read/mine")


def check_batch_size(principal: Principal, count: int) -> None:
    """413 when a request carries more statements than the tenant or credential allows."""
    limit = principal.limits.max_batch_statements
    if count > limit:
        raise PayloadTooLargeError(f"{count} statements in one request; the limit is {limit}")


def apply_define_scope(principal: Principal, statements: list[NewStatement]) -> None:
    """Without `define`, statements do not update activity definitions or agent names (AU-5)."""
    if principal.can("define"):
        return
    for new in statements:
        new.index.definitions = []
        new.index.agents = [ifi_of(agent) for agent in new.index.agents]


def own_authority(principal: Principal) -> str | None:
    """The authority key reads are restricted to (`statements/read/mine` only), else None."""
    if principal.can(*FULL_READ_SCOPES):
        return None
    return principal.authority_key


def export_authority(principal: Principal) -> str | None:
    """The authority key a statement export is restricted to: `export` with
    `statements/read/mine` (and no full read scope) exports only the credential's own
    statements, as its GET does; None means the whole tenant."""
    if "statements/read/mine" in principal.scopes and not principal.can(*FULL_READ_SCOPES):
        return principal.authority_key
    return None


def is_own(body: bytes, authority: str) -> bool:
    """True when a stored statement's authority is the given one."""
    statement: dict[str, Any] = orjson.loads(body)
    found = statement.get("authority")
    return isinstance(found, dict) and agent_key(found) == authority

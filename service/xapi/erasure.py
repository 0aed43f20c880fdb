"""What erasing one agent does to a statement (GDPR requests, issue 5).

A statement whose actor or object *is* the agent is about them: it is deleted. A statement that
names them anywhere else (group member, instructor, team, context agents and groups, inside a
SubStatement, extensions carrying their identifier) is kept for the other people in it, with
every occurrence of the agent replaced by a pseudonymous Agent.
"""

from __future__ import annotations

import hashlib
from typing import Any, Literal

from service.xapi.agents import IFI_PROPERTIES, agent_key
from service.xapi.attachments import iter_attachments

Action = Literal["delete", "redact", "keep"]
ERASED_HOME_PAGE = "urn:lrs:erased"
_ACTOR_TYPES = ("Agent", "Group")


def agent_hash(tenant: str, key: str) -> str:
    """What an erasure record keeps instead of the agent's identifier."""
    return "sha256:" + hashlib.sha256(f"{tenant}\n{key}".encode()).hexdigest()


def pseudonym_for(token: str) -> dict[str, Any]:
    """The identifier that replaces an erased agent: carries no trace of who they were."""
    return {"account": {"homePage": ERASED_HOME_PAGE, "name": token}}


def erasure_action(
    statement: dict[str, Any], key: str, pseudonym: dict[str, Any]
) -> tuple[Action, dict[str, Any] | None]:
    """Delete, redact (with the redacted statement) or keep one statement."""
    obj = statement.get("object", {})
    if _key_of(statement.get("actor")) == key:
        return "delete", None
    if obj.get("objectType") in _ACTOR_TYPES and _key_of(obj) == key:
        return "delete", None
    redacted, changed = _redact(statement, key, pseudonym)
    return ("redact", redacted) if changed else ("keep", None)


def attachment_sha2s(statement: dict[str, Any]) -> set[str]:
    """The sha2 values of a statement's attachments."""
    return {a["sha2"].lower() for a in iter_attachments([statement]) if "sha2" in a}


def _key_of(value: Any) -> str | None:
    """The agent key of anything agent-shaped; None for other values and malformed ones."""
    if not isinstance(value, dict) or not any(name in value for name in IFI_PROPERTIES):
        return None
    try:
        return agent_key(value)
    except (AttributeError, KeyError, TypeError):
        return None


def _redact(value: Any, key: str, pseudonym: dict[str, Any]) -> tuple[Any, bool]:
    """A copy of `value` with every agent identified by `key` replaced; and whether any was."""
    if isinstance(value, list):
        items = [_redact(item, key, pseudonym) for item in value]
        return [item for item, _ in items], any(changed for _, changed in items)
    if not isinstance(value, dict):
        return value, False
    if _key_of(value) == key:
        replaced: dict[str, Any] = {"objectType": value.get("objectType", "Agent"), **pseudonym}
        if "member" in value:
            replaced["member"], _ = _redact(value["member"], key, pseudonym)
        return replaced, True
    changed = False
    out: dict[str, Any] = {}
    for name, item in value.items():
        out[name], item_changed = _redact(item, key, pseudonym)
        changed = changed or item_changed
    return out, changed

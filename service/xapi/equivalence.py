"""Statement equivalence for re-submitted and signed statements (SR-6, SR-4, AT-16)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import ROUND_DOWN, Decimal
from typing import Any, TypeGuard

import orjson

_IGNORED = frozenset({"id", "stored", "authority", "version", "attachments"})
_NUM = r"\d+(?:[.,]\d+)?"
_DURATION = re.compile(
    rf"P(?:(?P<Y>{_NUM})Y)?(?:(?P<Mo>{_NUM})M)?(?:(?P<W>{_NUM})W)?(?:(?P<D>{_NUM})D)?"
    rf"(?:T(?:(?P<H>{_NUM})H)?(?:(?P<Mi>{_NUM})M)?(?:(?P<S>{_NUM})S)?)?"
)
_HUNDREDTH = Decimal("0.01")
_MILLISECOND = 1000


def statements_equivalent(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Say whether two statements are the same statement under SR-6."""
    left, right = _statement(a), _statement(b)
    _align_timestamps(left, right)
    return _same(left, right)


def _statement(statement: dict[str, Any]) -> dict[str, Any]:
    """Canonicalize a statement or SubStatement, dropping LRS-assigned properties (SR-6)."""
    out = {key: value for key, value in statement.items() if key not in _IGNORED}
    if "actor" in out:
        out["actor"] = _agent(out["actor"])
    if isinstance(out.get("verb"), dict):
        out["verb"] = {key: value for key, value in out["verb"].items() if key != "display"}
    if "object" in out:
        out["object"] = _object(out["object"])
    if isinstance(out.get("result"), dict) and "duration" in out["result"]:
        out["result"] = {**out["result"], "duration": _duration(out["result"]["duration"])}
    if "context" in out:
        out["context"] = _context(out["context"])
    if "timestamp" in out:
        out["timestamp"] = _instant(out["timestamp"])
    return out


def _align_timestamps(left: dict[str, Any], right: dict[str, Any]) -> None:
    """Drop `timestamp` from both sides when either lacks it, also in SubStatements (SR-6)."""
    if "timestamp" not in left or "timestamp" not in right:
        left.pop("timestamp", None)
        right.pop("timestamp", None)
    sub_left, sub_right = left.get("object"), right.get("object")
    if _is_substatement(sub_left) and _is_substatement(sub_right):
        _align_timestamps(sub_left, sub_right)


def _is_substatement(value: Any) -> TypeGuard[dict[str, Any]]:
    """Say whether a statement object is a SubStatement (SR-6)."""
    return isinstance(value, dict) and value.get("objectType") == "SubStatement"


def _agent(agent: Any) -> Any:
    """Canonicalize an Agent or Group: default objectType, mbox domain, member order (SR-6)."""
    if not isinstance(agent, dict):
        return agent
    out = {**agent, "objectType": agent.get("objectType", "Agent")}
    mbox = out.get("mbox")
    if isinstance(mbox, str) and "@" in mbox:
        local, _, domain = mbox.rpartition("@")
        out["mbox"] = f"{local}@{domain.lower()}"
    if isinstance(out.get("member"), list):
        members = [_agent(member) for member in out["member"]]
        out["member"] = sorted(members, key=lambda m: orjson.dumps(m, option=orjson.OPT_SORT_KEYS))
    return out


def _activity(activity: Any) -> Any:
    """Canonicalize an Activity: default objectType, ignore the definition (SR-6)."""
    if not isinstance(activity, dict):
        return activity
    out = {key: value for key, value in activity.items() if key != "definition"}
    out["objectType"] = activity.get("objectType", "Activity")
    return out


def _object(obj: Any) -> Any:
    """Canonicalize a statement object of any objectType (SR-6)."""
    if not isinstance(obj, dict):
        return obj
    kind = obj.get("objectType", "Activity")
    if kind in ("Agent", "Group"):
        return _agent(obj)
    if kind == "StatementRef":
        return _uuid_field(obj, "id")
    if kind == "SubStatement":
        return _statement(obj)
    return _activity(obj)


def _context(context: Any) -> Any:
    """Canonicalize context agents, activities and UUIDs (SR-6)."""
    if not isinstance(context, dict):
        return context
    out = _uuid_field(context, "registration")
    for key in ("instructor", "team"):
        if key in out:
            out[key] = _agent(out[key])
    if isinstance(out.get("statement"), dict):
        out["statement"] = _uuid_field(out["statement"], "id")
    if isinstance(out.get("contextActivities"), dict):
        out["contextActivities"] = {
            key: [_activity(item) for item in (value if isinstance(value, list) else [value])]
            for key, value in out["contextActivities"].items()
        }
    for key, inner in (("contextAgents", "agent"), ("contextGroups", "group")):
        if isinstance(out.get(key), list):
            out[key] = [_wrapped_agent(item, inner) for item in out[key]]
    return out


def _wrapped_agent(item: Any, key: str) -> Any:
    """Canonicalize the Agent/Group inside a 2.0 contextAgent/contextGroup (SR-6)."""
    if not isinstance(item, dict) or key not in item:
        return item
    return {**item, key: _agent(item[key])}


def _uuid_field(holder: dict[str, Any], key: str) -> dict[str, Any]:
    """Copy a mapping with one UUID-valued field lower-cased (SR-6, V-9)."""
    value = holder.get(key)
    return {**holder, key: value.lower()} if isinstance(value, str) else dict(holder)


def _duration(value: Any) -> Any:
    """Parse an ISO 8601 duration into components, seconds truncated to 0.01 s (SR-6, V-13)."""
    match = _DURATION.fullmatch(value) if isinstance(value, str) else None
    if match is None or value.endswith(("P", "T")):
        return value
    parts = {k: Decimal(v.replace(",", ".")) for k, v in match.groupdict().items() if v}
    if "S" in parts:
        parts["S"] = parts["S"].quantize(_HUNDREDTH, rounding=ROUND_DOWN)
    return ("duration", tuple(sorted(parts.items())))


def _instant(value: Any) -> Any:
    """Parse a timestamp into a UTC instant at millisecond precision (SR-6, SR-14)."""
    if not isinstance(value, str):
        return value
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return value
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    micros = parsed.microsecond - parsed.microsecond % _MILLISECOND
    return parsed.astimezone(UTC).replace(microsecond=micros)


def _same(left: Any, right: Any) -> bool:
    """Compare canonical JSON values exactly, never equating booleans with numbers (SR-6)."""
    if isinstance(left, bool) or isinstance(right, bool):
        return type(left) is type(right) and left == right
    if isinstance(left, dict):
        return (
            isinstance(right, dict)
            and left.keys() == right.keys()
            and all(_same(value, right[key]) for key, value in left.items())
        )
    if isinstance(left, list):
        return (
            isinstance(right, list)
            and len(left) == len(right)
            and all(_same(x, y) for x, y in zip(left, right, strict=True))
        )
    return bool(left == right)


# Public names for other rule modules (outcome criteria compare extension values and durations).
json_equal = _same
DURATION_PARTS = _DURATION

"""Canonical activity definitions (RS-4)."""

from __future__ import annotations

from typing import Any

LANGUAGE_MAP_PROPERTIES = ("name", "description")
_ABSENT = object()


def adds_nothing(current: dict[str, Any], incoming: dict[str, Any]) -> bool:
    """Whether `merge_definition(current, incoming)` equals `current` (the usual case: the
    same definition sent again), decided without building the merge."""
    for name, value in incoming.items():
        old = current.get(name, _ABSENT)
        if name in LANGUAGE_MAP_PROPERTIES and isinstance(old, dict) and isinstance(value, dict):
            if not old.items() >= value.items():
                return False
        elif old != value:
            return False
    return True


def merge_definition(current: dict[str, Any], incoming: dict[str, Any]) -> dict[str, Any]:
    """Merge a newly seen definition into the canonical one (RS-4).

    Language maps merge key by key (new languages added, existing ones overwritten); every
    other property takes the newest value.
    """
    merged = dict(current)
    for name, value in incoming.items():
        old = merged.get(name)
        if name in LANGUAGE_MAP_PROPERTIES and isinstance(old, dict) and isinstance(value, dict):
            merged[name] = {**old, **value}
        else:
            merged[name] = value
    return merged

"""Small builders of valid xAPI statements for tests."""

from __future__ import annotations

import uuid
from typing import Any

VOIDED = "http://adlnet.gov/expapi/verbs/voided"


def agent(name: str = "ann") -> dict[str, Any]:
    return {"objectType": "Agent", "name": name.title(), "mbox": f"mailto:{name}@example.org"}


def activity(slug: str = "course", **definition: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"objectType": "Activity", "id": f"http://example.org/act/{slug}"}
    if definition:
        out["definition"] = definition
    return out


def statement(
    *,
    actor: dict[str, Any] | None = None,
    verb: str = "completed",
    obj: dict[str, Any] | None = None,
    with_id: bool = True,
    **extra: Any,
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "actor": actor or agent(),
        "verb": {"id": f"http://example.org/verbs/{verb}", "display": {"en-US": verb}},
        "object": obj or activity(),
    }
    if with_id:
        out["id"] = str(uuid.uuid4())
    out.update(extra)
    return out


def voiding(target_id: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "actor": agent("admin"),
        "verb": {"id": VOIDED, "display": {"en-US": "voided"}},
        "object": {"objectType": "StatementRef", "id": target_id},
        **extra,
    }

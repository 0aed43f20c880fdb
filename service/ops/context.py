"""Facts about one request that handlers learn and the access log and metrics report."""

from __future__ import annotations

from collections.abc import MutableMapping
from dataclasses import dataclass
from typing import Any

FACTS_KEY = "lrs_request_facts"


@dataclass(slots=True)
class RequestFacts:
    """Filled while a request runs: who made it and how many statements it stored."""

    request_id: str
    tenant: str | None = None
    credential: str | None = None
    statements: int = 0
    route: str = "unmatched"


def attach_facts(scope: MutableMapping[str, Any], request_id: str) -> RequestFacts:
    """Create the facts of a new request in its ASGI scope state (shared by scope copies)."""
    facts = RequestFacts(request_id=request_id)
    scope.setdefault("state", {})[FACTS_KEY] = facts
    return facts


def request_facts(scope: MutableMapping[str, Any]) -> RequestFacts:
    """The facts of the request in `scope`; a detached record when nothing attached one."""
    found = scope.get("state", {}).get(FACTS_KEY)
    return found if isinstance(found, RequestFacts) else RequestFacts(request_id="")

"""The scope catalogue: xAPI's OAuth scope names (AU-5) plus the service's own."""

from __future__ import annotations

from collections.abc import Iterable

from service.model.errors import BadRequestError

XAPI_SCOPES = (
    "statements/write",
    "statements/read",
    "statements/read/mine",
    "state",
    "define",
    "profile",
    "all/read",
    "all",
)
OWN_SCOPES = ("outcomes/read", "outcomes/write", "export", "metrics", "admin", "operator")
ALL_SCOPES = XAPI_SCOPES + OWN_SCOPES
SCOPE_HELP = {
    "statements/write": "store statements (PUT/POST statements)",
    "statements/read": "read every statement of the tenant",
    "statements/read/mine": "read only statements whose authority is this credential",
    "state": "read and write State documents",
    "define": "let stored statements update activity definitions and agent names",
    "profile": "read and write Activity and Agent Profiles",
    "all/read": "read every xAPI resource",
    "all": "every xAPI scope (not the service's own scopes)",
    "outcomes/read": "read outcome maps and results",
    "outcomes/write": "write outcome maps",
    "export": "export the tenant's data",
    "metrics": "read the Prometheus metrics at /metrics (every tenant's counts)",
    "admin": "manage the own tenant: credentials, forwarding, dead letters, erasure",
    "operator": "manage every tenant: create tenants, set limits, everything `admin` can",
}
EVERY_SCOPE: tuple[str, ...] = ALL_SCOPES  # what the bootstrap and generated credentials hold


def covers(held: frozenset[str], accepted: Iterable[str]) -> bool:
    """True when a holder of `held` may do what any of `accepted` allows.

    `all` stands for every xAPI scope; `operator` implies `admin`. Nothing else is implied.
    """
    for scope in accepted:
        if scope in held:
            return True
        if "all" in held and scope in XAPI_SCOPES:
            return True
        if scope == "admin" and "operator" in held:
            return True
    return False


def parse_scopes(value: str | Iterable[str]) -> tuple[str, ...]:
    """Scopes from a comma-separated string or a list, in catalogue order; 400 on unknown ones."""
    items = value.split(",") if isinstance(value, str) else list(value)
    if not all(isinstance(item, str) for item in items):
        raise BadRequestError("scopes must be strings")
    wanted = {item.strip() for item in items if item.strip()}
    unknown = sorted(wanted.difference(ALL_SCOPES))
    if unknown:
        raise BadRequestError(
            f"unknown scope(s): {', '.join(unknown)}; known: {', '.join(ALL_SCOPES)}"
        )
    if not wanted:
        raise BadRequestError("at least one scope is required")
    return tuple(scope for scope in ALL_SCOPES if scope in wanted)

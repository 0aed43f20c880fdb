"""Who performs an admin action and which tenants they may touch."""

from __future__ import annotations

import getpass
import re
import socket
from collections.abc import Callable
from dataclasses import dataclass, field

from service.model.errors import BadRequestError, ForbiddenError
from service.store.ports import AuditStore
from service.tenancy.auth import Principal

TENANT_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,62}$")
ChangeHook = Callable[[str | None, str | None], None]  # (credential key, tenant) changed


def _ignore(key: str | None, tenant: str | None) -> None:
    return None


@dataclass(frozen=True, slots=True)
class AdminActor:
    """An operator (every tenant) or a tenant admin (`tenant` set); `audit` records what they
    do, `source` is where they act from (a client address, the command line's host)."""

    name: str
    tenant: str | None = None
    on_change: ChangeHook = field(default=_ignore, compare=False)
    audit: AuditStore | None = field(default=None, compare=False)
    source: str | None = None

    @property
    def is_operator(self) -> bool:
        return self.tenant is None

    def check_tenant(self, tenant: str) -> None:
        """403 unless the actor may administer this tenant."""
        if self.tenant is not None and tenant != self.tenant:
            raise ForbiddenError(f"this credential administers the tenant {self.tenant!r} only")

    def check_operator(self, what: str) -> None:
        if not self.is_operator:
            raise ForbiddenError(f"{what} needs the 'operator' scope")


def cli_actor(audit: AuditStore | None = None) -> AdminActor:
    """The person at the command line: an operator with direct access to the store."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return AdminActor(name=f"cli:{user}", audit=audit, source=f"cli@{socket.gethostname()}")


def principal_actor(
    principal: Principal,
    on_change: ChangeHook,
    audit: AuditStore | None = None,
    source: str | None = None,
) -> AdminActor:
    """The admin-API caller; 403 without `admin` (own tenant) or `operator` (all tenants)."""
    principal.require("admin")
    tenant = None if "operator" in principal.scopes else principal.tenant
    return AdminActor(
        name=principal.actor_name, tenant=tenant, on_change=on_change, audit=audit, source=source
    )


def acting_principal(
    principal: Principal, audit: AuditStore | None, source: str | None
) -> AdminActor:
    """A client whose own-tenant action is audited without admin rights (an outcome map)."""
    return AdminActor(
        name=principal.actor_name, tenant=principal.tenant, audit=audit, source=source
    )


def check_tenant_name(name: str) -> str:
    """Tenant names are short lowercase slugs, so they are safe in URLs, logs and file names."""
    if not TENANT_NAME.match(name):
        raise BadRequestError(
            f"invalid tenant name {name!r}: use 1-63 of a-z, 0-9, '.', '_', '-' "
            "starting with a letter or digit"
        )
    return name

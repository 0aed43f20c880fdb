"""The accounts capability: tenants, credentials and their usage."""

from __future__ import annotations

from typing import Protocol

from service.model.tenancy import (
    CredentialChanges,
    CredentialRecord,
    Limits,
    TenantRecord,
)


class AccountStore(Protocol):
    """Tenants and the credentials that act in them; secrets stay hashed."""

    async def add_tenant(self, tenant: TenantRecord) -> None:
        """Create a tenant; ConflictError when the name is taken."""
        ...

    async def get_tenant(self, name: str) -> TenantRecord | None: ...

    async def list_tenants(self) -> list[TenantRecord]:
        """Every tenant, by name; the `default` tenant always exists."""
        ...

    async def update_tenant(
        self, name: str, *, enabled: bool | None = None, limits: Limits | None = None
    ) -> TenantRecord:
        """Change a tenant's state or limit overrides; NotFoundError when it does not exist."""
        ...

    async def add_credential(self, credential: CredentialRecord) -> None: ...

    async def get_credential(self, key: str) -> CredentialRecord | None: ...

    async def count_credentials(self) -> int: ...

    async def list_credentials(self, tenant: str | None = None) -> list[CredentialRecord]:
        """Credentials of one tenant (or all), oldest first; secrets stay hashed."""
        ...

    async def update_credential(self, key: str, changes: CredentialChanges) -> CredentialRecord:
        """Apply the changes atomically; NotFoundError when the key does not exist."""
        ...

    async def delete_credential(self, key: str) -> None:
        """Remove a credential (its statements keep their authority); NotFoundError if none."""
        ...

    async def touch_credentials(self, last_used: dict[str, int]) -> None:
        """Record last-used instants (ms) in one write; never moves a time backwards."""
        ...

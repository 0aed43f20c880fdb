"""What a person's claim grants: the operator's mapping from claim values to a tenant and scopes."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import yaml
from pydantic import TypeAdapter, ValidationError

from service.model.errors import BadRequestError
from service.settings import ClaimGrant, OidcSettings
from service.tenancy.admin.actor import check_tenant_name
from service.tenancy.scopes import parse_scopes

_MAPPING = TypeAdapter(dict[str, ClaimGrant])
MAX_CLAIM_VALUES = 1000  # a claim with more values than this is read no further


class SsoConfigError(ValueError):
    """The single sign-on configuration cannot be used; the message names the variable."""


@dataclass(frozen=True, slots=True)
class Grant:
    """A tenant and the scopes a person holds in it."""

    tenant: str
    scopes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class GrantTable:
    """The mapping in the operator's order: the first matching value decides the tenant."""

    claim: str
    entries: tuple[tuple[str, Grant], ...]

    @classmethod
    def of(cls, settings: OidcSettings) -> GrantTable:
        """The validated mapping of the settings (or their mapping file)."""
        mapping = settings.mapping or _read_mapping(settings.mapping_file)
        entries = []
        for value, grant in mapping.items():
            try:
                tenant = check_tenant_name(grant.tenant)
                scopes = parse_scopes(grant.scopes)
            except BadRequestError as exc:
                raise SsoConfigError(f"LRS_OIDC_MAPPING entry {value!r}: {exc.message}") from None
            entries.append((value, Grant(tenant, scopes)))
        if not entries:
            raise SsoConfigError("LRS_OIDC_MAPPING grants nothing: add at least one entry")
        return cls(settings.claim, tuple(entries))

    def grant_for(self, claims: dict[str, Any]) -> Grant | None:
        """The grant of a person's claims; None when no value of the claim is mapped."""
        held = claim_values(claims, self.claim)
        tenant: str | None = None
        scopes: set[str] = set()
        for value, grant in self.entries:
            if value not in held or (tenant is not None and grant.tenant != tenant):
                continue
            tenant = grant.tenant
            scopes.update(grant.scopes)
        if tenant is None:
            return None
        return Grant(tenant, parse_scopes(scopes))

    def stamp(self) -> str:
        """A digest of the mapping: sessions it granted end when it changes."""
        text = orjson.dumps([self.claim, [[v, g.tenant, g.scopes] for v, g in self.entries]])
        return hashlib.sha256(text).hexdigest()[:32]


def claim_values(claims: dict[str, Any], name: str) -> frozenset[str]:
    """The string values of a claim: a string or a list of strings; dots reach nested objects."""
    found: Any = claims
    for part in name.split("."):
        if not isinstance(found, dict):
            return frozenset()
        found = found.get(part)
    if isinstance(found, str):
        return frozenset([found])
    if isinstance(found, list):
        return frozenset(v for v in found[:MAX_CLAIM_VALUES] if isinstance(v, str))
    return frozenset()


def _read_mapping(path: str | None) -> dict[str, ClaimGrant]:
    if not path:
        return {}
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise SsoConfigError(f"LRS_OIDC_MAPPING_FILE {path}: {exc.strerror}") from None
    try:
        data = yaml.safe_load(text)  # JSON is YAML too
        return _MAPPING.validate_python(data)
    except (yaml.YAMLError, ValidationError) as exc:
        raise SsoConfigError(
            f"LRS_OIDC_MAPPING_FILE {path} is not a valid mapping: {exc}"
        ) from None

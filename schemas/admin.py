"""Request bodies of the admin API (/admin/...): strict, so a typo is a 400, never ignored."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, HttpUrl


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class LimitsIn(_Strict):
    """Limit overrides; null returns a field to inheriting (credential > tenant > default)."""

    rate_per_second: float | int | None = Field(default=None, ge=0)
    burst: int | None = Field(default=None, gt=0)
    max_batch_statements: int | None = Field(default=None, gt=0)
    max_body_bytes: int | None = Field(default=None, gt=0)


class TenantIn(_Strict):
    name: str
    limits: LimitsIn | None = None


class TenantPatch(_Strict):
    enabled: bool | None = None
    limits: LimitsIn | None = None


class CredentialIn(_Strict):
    name: str = Field(min_length=1, max_length=200)
    scopes: list[str] = Field(min_length=1)
    tenant: str | None = None  # default: the caller's tenant
    limits: LimitsIn | None = None


class CredentialPatch(_Strict):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    enabled: bool | None = None
    scopes: list[str] | None = Field(default=None, min_length=1)
    limits: LimitsIn | None = None


class RotateIn(_Strict):
    overlap: str | None = Field(
        default=None,
        description="How long the old secret stays valid: 30m, 12h, 7d (at most 90d); "
        "absent or 0: it stops at once",
    )


class RetentionIn(_Strict):
    period: str | None = Field(
        description="ISO 8601 period: statements older than this go (P3Y, P18M, P90D); "
        "null clears the policy"
    )
    field: Literal["stored", "timestamp"] = "stored"


class RetentionRunIn(_Strict):
    dry_run: bool = Field(default=True, description="Count only (the default); false deletes")


class TargetFilterIn(_Strict):
    verbs: list[str] = []
    activity_prefixes: list[str] = []
    credentials: list[str] = []


class TargetIn(_Strict):
    name: str = Field(min_length=1, max_length=200)
    kind: Literal["xapi", "webhook"]
    url: HttpUrl = Field(strict=False)
    username: str | None = None
    password: str | None = None
    secret: str | None = None  # webhook HMAC-SHA256 signing secret
    xapi_version: Literal["1.0.3", "2.0.0"] = "1.0.3"
    filter: TargetFilterIn = TargetFilterIn()
    enabled: bool = True


class TargetPatch(_Strict):
    enabled: bool


class RequeueIn(_Strict):
    target_id: Annotated[int, Field(ge=0, lt=2**63)] | None = None


class ErasureIn(_Strict):
    agent: dict[str, Any]

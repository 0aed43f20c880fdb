"""Limit overrides from admin input: JSON objects (HTTP) or `--flag value` pairs (CLI)."""

from __future__ import annotations

from dataclasses import asdict, replace
from typing import Any

from schemas.admin import LimitsIn
from service.model.errors import BadRequestError
from service.model.tenancy import EffectiveLimits, Limits
from service.tenancy.admin.inputs import parse_data

LIMIT_FIELDS = ("rate_per_second", "burst", "max_batch_statements", "max_body_bytes")
SIZE_SETTINGS = {
    "max_batch_statements": "LRS_MAX_BATCH_STATEMENTS",
    "max_body_bytes": "LRS_MAX_BODY_BYTES",
}
"""The sizes whose service settings are ceilings for every tenant."""


def patch_limits(current: Limits, given: LimitsIn | None) -> Limits:
    """`current` with the fields present in `given` replaced (null clears an override)."""
    if given is None:
        return current
    changes: dict[str, Any] = {name: getattr(given, name) for name in given.model_fields_set}
    if "rate_per_second" in changes and changes["rate_per_second"] is not None:
        changes["rate_per_second"] = float(changes["rate_per_second"])
    return replace(current, **changes)


def check_tenant_limits(given: LimitsIn | None, service: EffectiveLimits) -> None:
    """400 when a tenant override would lift a size above the service's setting.

    The rate quota is the operator's choice per tenant (no default caps it).
    """
    if given is None:
        return
    problems = _sizes_above(given, service, "the service's {setting}")
    if problems:
        raise BadRequestError(
            "; ".join(problems) + " (a tenant's limits cannot lift the service's)"
        )


def check_credential_limits(given: LimitsIn | None, tenant: EffectiveLimits, name: str) -> None:
    """400 when a credential override would lift a limit above its tenant's in force."""
    if given is None:
        return
    whose = f"the limit of tenant {name!r}"
    problems = _sizes_above(given, tenant, whose)
    if tenant.has_quota:
        rate, burst = given.rate_per_second, given.burst
        quota = f"{tenant.rate_per_second:g}/s"
        if rate is not None and rate <= 0:
            problems.append(f"rate_per_second 0 (no quota) would lift {quota}, {whose}")
        elif rate is not None and rate > tenant.rate_per_second:
            problems.append(f"rate_per_second {rate:g} is above {quota}, {whose}")
        if burst is not None and burst > tenant.burst:
            problems.append(f"burst {burst} is above {tenant.burst}, {whose}")
    if problems:
        raise BadRequestError(
            "; ".join(problems) + " (a credential's limits can only narrow its tenant's)"
        )


def _sizes_above(given: LimitsIn, ceiling: EffectiveLimits, whose: str) -> list[str]:
    """What exceeds `ceiling`; `whose` names it, with `{setting}` for the service's setting."""
    problems = []
    for name, setting in SIZE_SETTINGS.items():
        value, limit = getattr(given, name), getattr(ceiling, name)
        if value is not None and value > limit:
            problems.append(f"{name} {value} is above {limit}, {whose.format(setting=setting)}")
    return problems


def limits_from_text(values: dict[str, str | None]) -> LimitsIn:
    """CLI values by field name; "default" clears an override, None leaves it alone."""
    data: dict[str, Any] = {}
    for name, text in values.items():
        if text is None:
            continue
        if text == "default":
            data[name] = None
            continue
        try:
            data[name] = float(text) if name == "rate_per_second" else int(text)
        except ValueError:
            raise BadRequestError(f"{name} must be a number or 'default', not {text!r}") from None
    return parse_data(LimitsIn, data)


def limits_json(limits: Limits) -> dict[str, Any]:
    return asdict(limits)

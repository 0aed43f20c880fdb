"""The minimum group size: no aggregate figure leaves the service about fewer people."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from typing import Any


def group_floor(default: int, per_tenant: Mapping[str, int], tenant: str) -> int:
    """The tenant's minimum group size (LRS_MIN_GROUP_SIZE_TENANTS, else LRS_MIN_GROUP_SIZE)."""
    return per_tenant.get(tenant, default)


def too_small(floor: int) -> str:
    """Why a group is not shown (without saying how many people it has)."""
    return f"fewer than {floor} people: below the minimum group size"


def suppressed_units(hidden: Mapping[str, list[str]], floor: int) -> list[dict[str, Any]]:
    """The org units left out, each with the periods it was left out of and why."""
    return [
        {"org_unit": unit, "periods": periods, "reason": too_small(floor)}
        for unit, periods in sorted(hidden.items())
    ]


class Suppression:
    """Collects the (unit, period) groups a report left out."""

    def __init__(self, floor: int) -> None:
        self.floor = floor
        self._hidden: defaultdict[str, dict[str, None]] = defaultdict(dict)

    def allows(self, unit: str, period: str, people: int) -> bool:
        """True when a group of `people` may be shown; otherwise it is recorded as left out."""
        if people >= self.floor:
            return True
        self._hidden[unit][period] = None
        return False

    def report(self) -> list[dict[str, Any]]:
        return suppressed_units({u: list(ps) for u, ps in self._hidden.items()}, self.floor)

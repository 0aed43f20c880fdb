"""The org data that outcome reports join: a roster with history, and KPI observations."""

from __future__ import annotations

from typing import Protocol

from service.model.outcomes import KpiObservation, RosterEntry, RosterImport, UnitRange


class OrgDataStore(Protocol):
    """Roster entries with effective dates, and KPI values per org unit and period."""

    async def put_roster(
        self, tenant: str, entries: list[RosterEntry], *, replace: bool, effective: RosterImport
    ) -> int:
        """From the effective instant on, the uploaded learners are placed as the entries say
        (and, with `replace`, everyone else leaves); history before it is kept. The count."""
        ...

    async def get_roster(self, tenant: str, after: str | None, limit: int) -> list[RosterEntry]:
        """Current entries in learner order, each with the instant it holds from."""
        ...

    async def roster_history(self, tenant: str, learner: str) -> list[RosterEntry]:
        """Every entry of one learner, oldest first."""
        ...

    async def unit_ranges(self, tenant: str) -> list[UnitRange]:
        """Every org unit (a value of any roster field) with the distinct spans of time
        anyone was in it."""
        ...

    async def put_kpi_observations(
        self, tenant: str, observations: list[KpiObservation], *, replace: bool
    ) -> int:
        """Add or update observations (keyed by KPI, org unit, period); the count."""
        ...

    async def get_kpi_observations(self, tenant: str) -> list[KpiObservation]: ...

"""The org data that outcome reports join: a roster with history, and KPI observations."""

from __future__ import annotations

from typing import Protocol

from service.model.outcomes import KpiObservation, PeriodSpan, RosterEntry, RosterImport


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

    async def roster_units(self, tenant: str, periods: list[PeriodSpan]) -> dict[str, set[str]]:
        """Per period label, the org units (values of any roster field) anyone was in during
        the period."""
        ...

    async def put_kpi_observations(
        self, tenant: str, observations: list[KpiObservation], *, replace: bool
    ) -> int:
        """Add or update observations (keyed by KPI, org unit, period); the count."""
        ...

    async def get_kpi_observations(self, tenant: str) -> list[KpiObservation]: ...

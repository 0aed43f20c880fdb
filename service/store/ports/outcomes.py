"""The outcomes capability, in two ports: map evaluation, and the org data and reports."""

from __future__ import annotations

from collections.abc import Set as AbstractSet
from typing import Any, Protocol

from service.model.outcomes import (
    AttainmentQuery,
    AttainmentRow,
    EvidenceSnapshot,
    KpiObservation,
    MapVersion,
    OutcomeChanges,
    RosterEntry,
    SeqStatement,
    UnitDayCount,
)


class OutcomeEvaluationStore(Protocol):
    """Map versions and evaluation state; each step commits atomically with its cursor."""

    async def add_outcome_map(self, tenant: str, document: dict[str, Any]) -> MapVersion:
        """Store the next version of the tenant's map, to be evaluated from the first statement."""
        ...

    async def list_outcome_maps(self, tenant: str) -> list[MapVersion]:
        """Every version of the tenant's map, oldest first."""
        ...

    async def outcome_tenants(self) -> list[str]:
        """Tenants with a map being evaluated or current (for catch-up at start)."""
        ...

    async def promote_outcome_map(self, tenant: str, version: int) -> None:
        """Make `version` current; older versions retire and their state is deleted."""
        ...

    async def read_statements_after(
        self, tenant: str, after_seq: int, limit: int, known: AbstractSet[int] = frozenset()
    ) -> list[SeqStatement]:
        """Statements stored after a sequence number, in order, voided ones flagged; those
        whose `seq` is in `known` come without their body."""
        ...

    async def count_statements_after(self, tenant: str, after_seq: int) -> int: ...

    async def load_outcome_evidence(
        self,
        tenant: str,
        version: int,
        pairs: list[tuple[str, str]],
        retracted: list[str],
    ) -> EvidenceSnapshot:
        """Evidence and attainments of the (learner, outcome) pairs and of those the retracted
        statements were evidence for."""
        ...

    async def apply_outcome_changes(self, tenant: str, changes: OutcomeChanges) -> None:
        """Write evidence, attainments and the cursor in one transaction (not necessarily
        durable: losing it loses the cursor too, and evaluation resumes before it)."""
        ...


class OutcomeReportStore(Protocol):
    """Attainments as queried and counted, with the roster and KPI observations they join."""

    async def query_attainments(self, tenant: str, query: AttainmentQuery) -> list[AttainmentRow]:
        """Attainments in (outcome, learner) order, with roster entries."""
        ...

    async def count_attainments(self, tenant: str, version: int) -> dict[str, int]:
        """Learners attaining each outcome."""
        ...

    async def attainment_days(
        self,
        tenant: str,
        version: int,
        unit_field: str,
        outcomes: list[str],
        boundaries: list[int] | None = None,
    ) -> list[UnitDayCount]:
        """Attainments of rostered learners counted per outcome, org unit and day; with sorted
        `boundaries` (days), only counts before each boundary need be exact (days between two
        boundaries may be summed into the first)."""
        ...

    async def first_attainment_day(
        self, tenant: str, version: int, unit_field: str, outcomes: list[str]
    ) -> int | None:
        """The first day of attainment_days."""
        ...

    async def unit_headcounts(self, tenant: str, unit_field: str) -> dict[str, int]:
        """Rostered learners per org unit."""
        ...

    async def put_roster(self, tenant: str, entries: list[RosterEntry], *, replace: bool) -> int:
        """Add or update roster entries (all of them, or the roster is replaced); the count."""
        ...

    async def get_roster(self, tenant: str, after: str | None, limit: int) -> list[RosterEntry]: ...

    async def put_kpi_observations(
        self, tenant: str, observations: list[KpiObservation], *, replace: bool
    ) -> int:
        """Add or update observations (keyed by KPI, org unit, period); the count."""
        ...

    async def get_kpi_observations(self, tenant: str) -> list[KpiObservation]: ...

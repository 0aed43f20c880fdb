"""The outcomes capability: map evaluation, and the reports over attainments (the roster and
KPI observations they join are the OrgDataStore's)."""

from __future__ import annotations

from collections.abc import Set as AbstractSet
from typing import Any, Protocol

from service.model.outcomes import (
    DEFAULT_MAP,
    AttainmentChange,
    AttainmentQuery,
    AttainmentRow,
    EvidenceSnapshot,
    MapVersion,
    OutcomeChanges,
    RosterEntry,
    SeqStatement,
    UnitSpan,
)


class OutcomeEvaluationStore(Protocol):
    """Map versions and evaluation state; each step commits atomically with its cursor."""

    async def add_outcome_map(
        self, tenant: str, document: dict[str, Any], name: str = DEFAULT_MAP
    ) -> MapVersion:
        """Store the next version of the tenant's map `name`, to be evaluated from the first
        statement (a version of that map still being evaluated is retired)."""
        ...

    async def list_outcome_maps(self, tenant: str) -> list[MapVersion]:
        """Every version of every map of the tenant, oldest first."""
        ...

    async def outcome_tenants(self) -> list[str]:
        """Tenants with a map being evaluated or current (for catch-up at start)."""
        ...

    async def promote_outcome_map(self, tenant: str, version: int) -> None:
        """Make `version` current; older versions of the same map retire and their state is
        deleted."""
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
    """Attainments as listed and counted per org unit and period (set-based queries only)."""

    async def query_attainments(self, tenant: str, query: AttainmentQuery) -> list[AttainmentRow]:
        """Attainments in (outcome, learner) order, with roster entries."""
        ...

    async def attainment_changes(
        self, tenant: str, after_id: int, limit: int
    ) -> list[AttainmentChange]:
        """Attainments written and withdrawn by evaluation steps (every map version), with an
        id above `after_id`, in id order; ids grow in commit order, and a reader never sees an
        id before every smaller one is visible (the change feed's cursor passes them)."""
        ...

    async def count_attainments(self, tenant: str, version: int) -> dict[str, int]:
        """Learners attaining each outcome."""
        ...

    async def first_attainment_day(
        self, tenant: str, version: int, outcomes: list[str]
    ) -> int | None:
        """The UTC day (since the epoch) of the first attainment of any of the outcomes."""
        ...

    async def unit_spans(
        self, tenant: str, version: int, unit_field: str, outcome: str
    ) -> list[UnitSpan]:
        """The roster history as unbroken stints in the units of one roster field (a
        learner's consecutive entries with the same unit are one stint), counted per unit,
        start, end and the UTC day the learner attained the outcome (or not)."""
        ...

    async def unattained(
        self,
        tenant: str,
        version: int,
        outcome: str,
        unit_field: str,
        unit: str,
        after: str | None,
        limit: int,
    ) -> list[RosterEntry]:
        """Current roster entries of the unit whose learner has not attained the outcome, in
        learner order after `after`."""
        ...

"""Outcome mapping on MongoDB: not stored yet; every call says so with a 501 (see README)."""

from __future__ import annotations

from collections.abc import Set as AbstractSet
from typing import Any

from service.model.errors import NotSupportedByStoreError
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

UNSUPPORTED = (
    "outcome mapping needs the SQLite store; the MongoDB adapter does not store outcomes yet"
)


class MongoOutcomesUnsupported:
    """The OutcomeStore part of the port, refused explicitly; no tenant has outcome state."""

    async def add_outcome_map(self, tenant: str, document: dict[str, Any]) -> MapVersion:
        raise NotSupportedByStoreError(UNSUPPORTED)

    async def list_outcome_maps(self, tenant: str) -> list[MapVersion]:
        raise NotSupportedByStoreError(UNSUPPORTED)

    async def outcome_tenants(self) -> list[str]:
        return []

    async def promote_outcome_map(self, tenant: str, version: int) -> None:
        raise NotSupportedByStoreError(UNSUPPORTED)

    async def read_statements_after(
        self, tenant: str, after_seq: int, limit: int, known: AbstractSet[int] = frozenset()
    ) -> list[SeqStatement]:
        raise NotSupportedByStoreError(UNSUPPORTED)

        raise NotSupportedByStoreError(UNSUPPORTED)

    async def load_outcome_evidence(
        self,
        tenant: str,
        version: int,
        pairs: list[tuple[str, str]],
        retracted: list[str],
    ) -> EvidenceSnapshot:
        raise NotSupportedByStoreError(UNSUPPORTED)

    async def apply_outcome_changes(self, tenant: str, changes: OutcomeChanges) -> None:
        raise NotSupportedByStoreError(UNSUPPORTED)

    async def query_attainments(self, tenant: str, query: AttainmentQuery) -> list[AttainmentRow]:
        raise NotSupportedByStoreError(UNSUPPORTED)

    async def count_attainments(self, tenant: str, version: int) -> dict[str, int]:
        raise NotSupportedByStoreError(UNSUPPORTED)

    async def attainment_days(
        self,
        tenant: str,
        version: int,
        unit_field: str,
        outcomes: list[str],
        boundaries: list[int] | None = None,
    ) -> list[UnitDayCount]:
        raise NotSupportedByStoreError(UNSUPPORTED)

    async def first_attainment_day(
        self, tenant: str, version: int, unit_field: str, outcomes: list[str]
    ) -> int | None:
        raise NotSupportedByStoreError(UNSUPPORTED)

    async def unit_headcounts(self, tenant: str, unit_field: str) -> dict[str, int]:
        raise NotSupportedByStoreError(UNSUPPORTED)

    async def put_roster(self, tenant: str, entries: list[RosterEntry], *, replace: bool) -> int:
        raise NotSupportedByStoreError(UNSUPPORTED)

        raise NotSupportedByStoreError(UNSUPPORTED)

    async def put_kpi_observations(
        self, tenant: str, observations: list[KpiObservation], *, replace: bool
    ) -> int:
        raise NotSupportedByStoreError(UNSUPPORTED)

        raise NotSupportedByStoreError(UNSUPPORTED)

    async def count_statements_after(self, tenant: str, after_seq: int) -> int:
        raise NotSupportedByStoreError(UNSUPPORTED)

    async def get_roster(self, tenant: str, after: str | None, limit: int) -> list[RosterEntry]:
        raise NotSupportedByStoreError(UNSUPPORTED)

    async def get_kpi_observations(self, tenant: str) -> list[KpiObservation]:
        raise NotSupportedByStoreError(UNSUPPORTED)

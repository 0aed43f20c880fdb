"""A storage backend: its lifecycle and the capabilities it provides, each behind its own port."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from service.store.ports.accounts import AccountStore
from service.store.ports.audit import AuditStore
from service.store.ports.documents import DocumentStore
from service.store.ports.erasure import ErasureStore
from service.store.ports.ingest import IngestStatsStore
from service.store.ports.leases import EvaluationLeaseStore
from service.store.ports.lifecycle import StoreLifecycle
from service.store.ports.org_data import OrgDataStore
from service.store.ports.outbox import OutboxStore
from service.store.ports.outcomes import OutcomeEvaluationStore, OutcomeReportStore
from service.store.ports.quotas import QuotaStore
from service.store.ports.retention import RetentionStore
from service.store.ports.sessions import SessionStore
from service.store.ports.statements import StatementStore


@dataclass(frozen=True, slots=True)
class OutcomeStores:
    """The outcomes capability: its ports, kept by one backend or not at all."""

    evaluation: OutcomeEvaluationStore
    reports: OutcomeReportStore
    org: OrgDataStore


class Store(StoreLifecycle, Protocol):
    """One backend. Only the composition root (runtime, CLI, tests) holds it whole; features
    are handed the port they need."""

    @property
    def statements(self) -> StatementStore: ...

    @property
    def documents(self) -> DocumentStore: ...

    @property
    def accounts(self) -> AccountStore: ...

    @property
    def outbox(self) -> OutboxStore: ...

    @property
    def erasure(self) -> ErasureStore: ...

    @property
    def audit(self) -> AuditStore: ...

    @property
    def retention(self) -> RetentionStore: ...

    @property
    def sessions(self) -> SessionStore: ...

    @property
    def ingest(self) -> IngestStatsStore: ...

    @property
    def quotas(self) -> QuotaStore: ...

    @property
    def leases(self) -> EvaluationLeaseStore: ...

    @property
    def outcomes(self) -> OutcomeStores | None:
        """None when the backend keeps no outcome state (the API answers 501 for it)."""
        ...

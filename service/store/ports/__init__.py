"""The storage ports: one small Protocol per capability, and the backend that provides them."""

from service.store.ports.accounts import AccountStore
from service.store.ports.audit import AuditStore
from service.store.ports.backend import OutcomeStores, Store
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

__all__ = [
    "AccountStore",
    "AuditStore",
    "DocumentStore",
    "ErasureStore",
    "EvaluationLeaseStore",
    "IngestStatsStore",
    "OrgDataStore",
    "OutboxStore",
    "OutcomeEvaluationStore",
    "OutcomeReportStore",
    "OutcomeStores",
    "QuotaStore",
    "RetentionStore",
    "SessionStore",
    "StatementStore",
    "Store",
    "StoreLifecycle",
]

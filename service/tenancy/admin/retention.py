"""Retention: per-tenant policies, and runs that delete expired statements (or count them).

A run deletes in batches, each one transaction, with erasure's rules (index and outbox rows,
orphaned attachments); every deleted statement id is kept as a tombstone for a feed. Each run,
scheduled or by hand, is audited. After each batch, `on_deleted` is told the tenant and the
ids deleted, so their outcome evidence is retracted.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from service.model.clock import now_ms
from service.model.errors import NotFoundError
from service.model.retention import RetentionField, RetentionPolicy, parse_period
from service.store.ports import AccountStore, RetentionStore
from service.tenancy.admin.actor import AdminActor
from service.tenancy.admin.audit import audited

BATCH = 500
OnDeleted = Callable[[str, list[str]], Awaitable[None]]  # a tenant, the statement ids deleted


@dataclass(frozen=True, slots=True)
class RetentionRun:
    tenant: str
    policy: RetentionPolicy
    cutoff_ms: int
    dry_run: bool
    statements: int  # deleted, or that a dry run would delete
    outbox_deleted: int = 0
    attachments_deleted: int = 0


def policy_json(tenant: str, policy: RetentionPolicy | None) -> dict[str, Any]:
    if policy is None:
        return {"tenant": tenant, "policy": None}
    return {"tenant": tenant, "policy": {"period": policy.period, "field": policy.field}}


def run_json(run: RetentionRun) -> dict[str, Any]:
    return {
        "tenant": run.tenant,
        "policy": {"period": run.policy.period, "field": run.policy.field},
        "cutoff_ms": run.cutoff_ms,
        "dry_run": run.dry_run,
        "statements": run.statements,
        "outbox_deleted": run.outbox_deleted,
        "attachments_deleted": run.attachments_deleted,
    }


async def set_policy(
    accounts: AccountStore,
    store: RetentionStore,
    actor: AdminActor,
    tenant: str,
    period: str | None,
    field: RetentionField = "stored",
) -> RetentionPolicy | None:
    """Set the tenant's policy (`period` None clears it); 400 on a malformed period."""
    async with audited(actor, "retention.set", tenant=tenant, period=period, field=field):
        actor.check_tenant(tenant)
        if await accounts.get_tenant(tenant) is None:
            raise NotFoundError(f"no tenant named {tenant!r}")
        policy = None
        if period is not None:
            parse_period(period)
            policy = RetentionPolicy(period, field)
        await store.set_retention_policy(tenant, policy)
    return policy


async def get_policy(
    store: RetentionStore, actor: AdminActor, tenant: str
) -> RetentionPolicy | None:
    actor.check_tenant(tenant)
    return (await store.retention_policies()).get(tenant)


async def run_retention(
    store: RetentionStore,
    actor: AdminActor,
    tenant: str,
    *,
    dry_run: bool,
    on_deleted: OnDeleted | None = None,
    now: int | None = None,
) -> RetentionRun:
    """Apply the tenant's policy once (or count what it would delete); 404 without a policy."""
    action = "retention.dry_run" if dry_run else "retention.run"
    async with audited(actor, action, tenant=tenant) as note:
        actor.check_tenant(tenant)
        policy = (await store.retention_policies()).get(tenant)
        if policy is None:
            raise NotFoundError(f"the tenant {tenant!r} has no retention policy")
        moment = now_ms() if now is None else now
        cutoff = policy.cutoff_ms(moment)
        if dry_run:
            count = await store.count_expired(tenant, policy.field, cutoff)
            run = RetentionRun(tenant, policy, cutoff, True, count)
        else:
            run = await _delete(store, tenant, policy, cutoff, moment, on_deleted)
        note.details = {k: v for k, v in run_json(run).items() if k != "tenant"}
    return run


async def _delete(
    store: RetentionStore,
    tenant: str,
    policy: RetentionPolicy,
    cutoff: int,
    moment: int,
    on_deleted: OnDeleted | None,
) -> RetentionRun:
    statements = outbox = attachments = 0
    while True:
        batch = await store.delete_expired(tenant, policy.field, cutoff, limit=BATCH, now_ms=moment)
        if batch.statement_ids and on_deleted is not None:
            await on_deleted(tenant, batch.statement_ids)
        statements += len(batch.statement_ids)
        outbox += batch.outbox_deleted
        attachments += batch.attachments_deleted
        if len(batch.statement_ids) < BATCH:
            return RetentionRun(tenant, policy, cutoff, False, statements, outbox, attachments)


async def run_all(
    store: RetentionStore, actor: AdminActor, on_deleted: OnDeleted | None = None
) -> list[RetentionRun]:
    """Apply every tenant's policy (the scheduled run)."""
    runs = []
    for tenant in sorted(await store.retention_policies()):
        runs.append(await run_retention(store, actor, tenant, dry_run=False, on_deleted=on_deleted))
    return runs

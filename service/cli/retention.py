"""`python -m service retention ...`: per-tenant retention policies and runs (issue 20)."""

from __future__ import annotations

import argparse
from typing import Any

from service.cli.admin_common import print_json, print_table, run_admin, when
from service.cli.retraction import outcome_retraction
from service.store.ports import Store
from service.tenancy.admin import retention as ops
from service.tenancy.admin.actor import cli_actor


def register(commands: Any) -> None:
    parser = commands.add_parser("retention", help="delete statements older than a period")
    actions = parser.add_subparsers(title="actions")
    show = actions.add_parser("show", help="every tenant's policy")
    show.add_argument("--json", action="store_true")
    show.set_defaults(run=show_policies)
    setting = actions.add_parser("set", help="set a tenant's policy")
    setting.add_argument("tenant")
    setting.add_argument("--period", required=True, help="ISO 8601: P3Y, P18M, P90D")
    setting.add_argument("--field", choices=("stored", "timestamp"), default="stored")
    setting.set_defaults(run=set_policy)
    clear = actions.add_parser("clear", help="remove a tenant's policy (nothing is deleted)")
    clear.add_argument("tenant")
    clear.set_defaults(run=set_policy, period=None, field="stored")
    running = actions.add_parser("run", help="apply a tenant's policy now (audited)")
    running.add_argument("tenant")
    running.add_argument("--dry-run", action="store_true", help="count, delete nothing")
    running.add_argument("--json", action="store_true")
    running.set_defaults(run=run_policy)


def show_policies(args: argparse.Namespace) -> int:
    async def job(store: Store) -> int:
        policies = await store.retention.retention_policies()
        if args.json:
            print_json([ops.policy_json(t, p) for t, p in sorted(policies.items())])
            return 0
        rows = [(t, p.period, p.field) for t, p in sorted(policies.items())]
        print_table(("TENANT", "PERIOD", "FIELD"), rows)
        return 0

    return run_admin(job)


def set_policy(args: argparse.Namespace) -> int:
    async def job(store: Store) -> int:
        actor = cli_actor(store.audit)
        policy = await ops.set_policy(
            store.accounts, store.retention, actor, args.tenant, args.period, args.field
        )
        state = f"{policy.period} by {policy.field}" if policy else "none"
        print(f"retention of {args.tenant}: {state}")
        return 0

    return run_admin(job)


def run_policy(args: argparse.Namespace) -> int:
    async def job(store: Store) -> int:
        actor = cli_actor(store.audit)
        run = await ops.run_retention(
            store.retention,
            actor,
            args.tenant,
            dry_run=args.dry_run,
            on_deleted=outcome_retraction(store),
        )
        if args.json:
            print_json(ops.run_json(run))
            return 0
        verb = "would delete" if run.dry_run else "deleted"
        print(
            f"{args.tenant}: {verb} {run.statements} statements {run.policy.field} before "
            f"{when(run.cutoff_ms)} ({run.policy.period})"
        )
        return 0

    return run_admin(job)

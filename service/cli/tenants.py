"""`python -m service tenants ...`: manage tenants and their limits (issue 5)."""

from __future__ import annotations

import argparse
from typing import Any

from schemas.admin import TenantIn, TenantPatch
from service.cli.admin_common import (
    add_limit_flags,
    limits_text,
    parse_limit_flags,
    print_json,
    print_table,
    run_admin,
    when,
)
from service.settings import Settings
from service.store.ports import Store
from service.tenancy.admin import tenants as ops
from service.tenancy.admin.actor import cli_actor
from service.tenancy.admin.inputs import parse_data
from service.tenancy.services import default_limits


def register(commands: Any) -> None:
    tenants = commands.add_parser("tenants", help="manage tenants (isolated stores)")
    actions = tenants.add_subparsers(title="actions")
    create = actions.add_parser("create", help="create a tenant")
    create.add_argument("name", help="lowercase letters, digits, '.', '_', '-'")
    add_limit_flags(create)
    create.add_argument("--json", action="store_true", help="print JSON for scripts")
    create.set_defaults(run=create_tenant)
    listing = actions.add_parser("list", help="list tenants with their limits")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(run=list_tenants)
    for action, helptext in (
        ("disable", "refuse every credential of the tenant (data is kept)"),
        ("enable", "accept the tenant's credentials again"),
        ("limits", "set limit overrides ('default' returns a limit to the service default)"),
    ):
        parser = actions.add_parser(action, help=helptext)
        parser.add_argument("name")
        if action == "limits":
            add_limit_flags(parser)
        parser.add_argument("--json", action="store_true")
        parser.set_defaults(run=change_tenant, action=action)
    delete = actions.add_parser(
        "delete", help="delete a tenant and ALL its data (statements, documents, credentials)"
    )
    delete.add_argument("name")
    delete.add_argument("--confirm", help="the tenant's name again, to confirm")
    delete.add_argument("--json", action="store_true")
    delete.set_defaults(run=delete_tenant)


def delete_tenant(args: argparse.Namespace) -> int:
    async def job(store: Store) -> int:
        actor = cli_actor(store.audit)
        counts = await ops.delete_tenant(
            store.accounts, store.erasure, actor, args.name, args.confirm
        )
        if args.json:
            print_json({"tenant": args.name, "deleted": counts})
        else:
            summary = ", ".join(f"{table} {count}" for table, count in counts.items())
            print(f"deleted tenant {args.name}: {summary or 'nothing else held'}")
        return 0

    return run_admin(job)


def create_tenant(args: argparse.Namespace) -> int:
    async def job(store: Store) -> int:
        body = parse_data(TenantIn, {"name": args.name, "limits": parse_limit_flags(args)})
        defaults = default_limits(Settings())
        record = await ops.create_tenant(store.accounts, cli_actor(store.audit), body, defaults)
        if args.json:
            print_json(ops.tenant_json(record, defaults))
        else:
            print(f"created tenant {record.name}")
        return 0

    return run_admin(job)


def list_tenants(args: argparse.Namespace) -> int:
    async def job(store: Store) -> int:
        records = await ops.list_tenants(store.accounts, cli_actor(store.audit))
        defaults = default_limits(Settings())
        if args.json:
            print_json({"tenants": [ops.tenant_json(t, defaults) for t in records]})
            return 0
        print_table(
            ("TENANT", "ENABLED", "CREATED", "OVERRIDES", "IN FORCE"),
            [
                (
                    t.name,
                    t.enabled,
                    when(t.created_ms),
                    limits_text(t.limits),
                    limits_text(defaults.for_tenant(t.limits)),
                )
                for t in records
            ],
        )
        return 0

    return run_admin(job)


def change_tenant(args: argparse.Namespace) -> int:
    async def job(store: Store) -> int:
        if args.action == "limits":
            patch = parse_data(TenantPatch, {"limits": parse_limit_flags(args) or {}})
        else:
            patch = TenantPatch(enabled=args.action == "enable")
        defaults = default_limits(Settings())
        record = await ops.update_tenant(
            store.accounts, cli_actor(store.audit), args.name, patch, defaults
        )
        if args.json:
            print_json(ops.tenant_json(record, defaults))
        else:
            state = "enabled" if record.enabled else "disabled"
            print(f"tenant {record.name}: {state}, limits {limits_text(record.limits)}")
        return 0

    return run_admin(job)

"""`python -m service credentials ...`: manage client credentials (issue 5)."""

from __future__ import annotations

import argparse
from typing import Any

from schemas.admin import CredentialIn, CredentialPatch
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
from service.tenancy.admin import credentials as ops
from service.tenancy.admin.actor import cli_actor
from service.tenancy.admin.inputs import parse_data
from service.tenancy.rotation import parse_overlap
from service.tenancy.scopes import ALL_SCOPES
from service.tenancy.services import default_limits


def register(commands: Any) -> None:
    credentials = commands.add_parser("credentials", help="manage client credentials")
    actions = credentials.add_subparsers(title="actions")
    create = actions.add_parser("create", help="create a credential and print its secret once")
    create.add_argument("--name", required=True, help="a label, e.g. 'Moodle production'")
    create.add_argument("--tenant", default="default")
    create.add_argument(
        "--scopes", default="all", help=f"comma-separated, from: {', '.join(ALL_SCOPES)}"
    )
    add_limit_flags(create)
    create.add_argument("--json", action="store_true", help="print JSON for scripts")
    create.set_defaults(run=create_credential)
    listing = actions.add_parser("list", help="list credentials (never their secrets)")
    listing.add_argument("--tenant", help="only this tenant's")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(run=list_credentials)
    for action, helptext in (
        ("disable", "refuse the credential from now on"),
        ("enable", "accept a disabled credential again"),
        ("rotate", "issue a new secret for the same key; the old one stops (or after --overlap)"),
    ):
        parser = actions.add_parser(action, help=helptext)
        parser.add_argument("key")
        if action == "rotate":
            parser.add_argument(
                "--overlap",
                help="keep the old secret valid this long too: 30m, 12h, 7d (at most 90d)",
            )
        parser.add_argument("--json", action="store_true")
        parser.set_defaults(run=change_credential, action=action)
    delete = actions.add_parser(
        "delete", help="remove a credential (statements keep their authority)"
    )
    delete.add_argument("key")
    delete.set_defaults(run=delete_credential)
    update = actions.add_parser("update", help="change name, scopes or limits")
    update.add_argument("key")
    update.add_argument("--name")
    update.add_argument("--scopes", help="comma-separated; replaces the current scopes")
    add_limit_flags(update)
    update.add_argument("--json", action="store_true")
    update.set_defaults(run=change_credential, action="update")


def create_credential(args: argparse.Namespace) -> int:
    async def job(store: Store) -> int:
        body = parse_data(
            CredentialIn,
            {
                "name": args.name,
                "tenant": args.tenant,
                "scopes": args.scopes.split(","),
                "limits": parse_limit_flags(args),
            },
        )
        issued = await ops.create_credential(
            store.accounts, cli_actor(store.audit), body, default_limits(Settings())
        )
        if args.json:
            print_json({**ops.credential_json(issued.record), "secret": issued.secret})
        else:
            print(f"key:    {issued.key}\nsecret: {issued.secret}\n(the secret is not shown again)")
        return 0

    return run_admin(job)


def list_credentials(args: argparse.Namespace) -> int:
    async def job(store: Store) -> int:
        records = await ops.list_credentials(store.accounts, cli_actor(store.audit), args.tenant)
        in_force = await ops.limits_in_force(store.accounts, records, default_limits(Settings()))
        if args.json:
            print_json({"credentials": [ops.credential_json(r, in_force[r.key]) for r in records]})
            return 0
        print_table(
            ("KEY", "TENANT", "NAME", "SCOPES", "ENABLED", "CREATED", "LAST USED", "LIMITS"),
            [
                (
                    r.key,
                    r.tenant,
                    r.name,
                    ",".join(r.scopes),
                    r.enabled,
                    when(r.created_ms),
                    when(r.last_used_ms),
                    limits_text(r.limits),
                )
                for r in records
            ],
        )
        return 0

    return run_admin(job)


def delete_credential(args: argparse.Namespace) -> int:
    async def job(store: Store) -> int:
        await ops.delete_credential(store.accounts, cli_actor(store.audit), args.key)
        print(f"deleted credential {args.key}")
        return 0

    return run_admin(job)


def change_credential(args: argparse.Namespace) -> int:
    async def job(store: Store) -> int:
        actor = cli_actor(store.audit)
        secret = None
        if args.action == "rotate":
            overlap = parse_overlap(args.overlap)
            rotated = await ops.rotate_secret(store.accounts, actor, args.key, overlap)
            record, secret = rotated.record, rotated.secret
        elif args.action == "update":
            given = {
                "name": args.name,
                "scopes": args.scopes.split(",") if args.scopes is not None else None,
                "limits": parse_limit_flags(args),
            }
            patch = parse_data(CredentialPatch, {k: v for k, v in given.items() if v is not None})
            defaults = default_limits(Settings())
            record = await ops.update_credential(store.accounts, actor, args.key, patch, defaults)
        else:
            record = await ops.set_enabled(store.accounts, actor, args.key, args.action == "enable")
        if args.json:
            print_json({**ops.credential_json(record), **({"secret": secret} if secret else {})})
        elif secret is not None:
            print(f"key:    {record.key}\nsecret: {secret}\n(the secret is not shown again)")
            if record.previous is not None:
                print(f"the old secret is accepted until {when(record.previous.until_ms)}")
        else:
            state = "enabled" if record.enabled else "disabled"
            print(f"{record.key} ({record.name}): {state}, scopes {','.join(record.scopes)}")
        return 0

    return run_admin(job)

"""`python -m service forwarding ...`: statement forwarding targets and dead letters (issue 5)."""

from __future__ import annotations

import argparse
from typing import Any

from schemas.admin import TargetIn
from service.cli.admin_common import print_json, print_table, run_admin, when
from service.forwarding.addresses import AddressPolicy
from service.settings import Settings
from service.store.ports import Store
from service.tenancy.admin import forwarding as ops
from service.tenancy.admin.actor import cli_actor
from service.tenancy.admin.inputs import parse_data


def _list(value: str | None) -> list[str]:
    return [item.strip() for item in (value or "").split(",") if item.strip()]


def register(commands: Any) -> None:
    forwarding = commands.add_parser("forwarding", help="forward statements downstream")
    actions = forwarding.add_subparsers(title="actions")
    add = actions.add_parser("add", help="add a target: an xAPI endpoint or a webhook")
    add.add_argument("--tenant", default="default")
    add.add_argument("--name", required=True)
    add.add_argument("--kind", choices=("xapi", "webhook"), default="xapi")
    add.add_argument("--url", required=True, help="xAPI base URL (…/xapi) or webhook URL")
    add.add_argument("--username", help="xAPI Basic auth key")
    add.add_argument("--password", help="xAPI Basic auth secret")
    add.add_argument("--secret", help="webhook HMAC-SHA256 signing secret")
    add.add_argument("--xapi-version", default="1.0.3", choices=("1.0.3", "2.0.0"))
    add.add_argument("--verbs", help="comma-separated verb IRIs to forward (default: all)")
    add.add_argument("--activity-prefixes", help="comma-separated activity id prefixes")
    add.add_argument("--credentials", help="comma-separated credential keys (platforms)")
    add.add_argument("--json", action="store_true")
    add.set_defaults(run=add_target)
    for action, helptext in (
        ("list", "targets with their delivery state"),
        ("dead-letters", "statements that exhausted their attempts"),
        ("requeue", "send dead letters again"),
    ):
        parser = actions.add_parser(action, help=helptext)
        parser.add_argument("--tenant", default="default")
        if action != "list":
            parser.add_argument("--target", type=int, help="only this target id")
        parser.add_argument("--json", action="store_true")
        parser.set_defaults(run=show, action=action)
    for action in ("enable", "disable", "remove"):
        parser = actions.add_parser(action, help=f"{action} a target")
        parser.add_argument("target", type=int)
        parser.add_argument("--tenant", default="default")
        parser.add_argument("--json", action="store_true")
        parser.set_defaults(run=change_target, action=action)


def add_target(args: argparse.Namespace) -> int:
    async def job(store: Store) -> int:
        given = {
            "name": args.name,
            "kind": args.kind,
            "url": args.url,
            "username": args.username,
            "password": args.password,
            "secret": args.secret,
            "xapi_version": args.xapi_version,
            "filter": {
                "verbs": _list(args.verbs),
                "activity_prefixes": _list(args.activity_prefixes),
                "credentials": _list(args.credentials),
            },
        }
        body = parse_data(TargetIn, {k: v for k, v in given.items() if v is not None})
        policy = AddressPolicy.from_setting(Settings().forwarding.allowed_networks)
        status = await ops.add_target(
            store.accounts, store.outbox, cli_actor(store.audit), args.tenant, body, policy
        )
        if args.json:
            print_json(ops.target_json(status))
        else:
            print(f"target {status.target.id} ({status.target.name}) -> {status.target.url}")
        return 0

    return run_admin(job)


def show(args: argparse.Namespace) -> int:
    async def job(store: Store) -> int:
        actor = cli_actor(store.audit)
        if args.action == "requeue":
            count = await ops.requeue(store.outbox, actor, args.tenant, args.target)
            if args.json:
                print_json({"requeued": count})
            else:
                print(f"requeued {count}")
        elif args.action == "dead-letters":
            letters = await ops.dead_letters(store.outbox, actor, args.tenant, args.target, 1000)
            if args.json:
                print_json({"dead_letters": [ops.dead_letter_json(d) for d in letters]})
            else:
                print_table(
                    ("OUTBOX ID", "TARGET", "STATEMENT", "ATTEMPTS", "LAST ERROR"),
                    [
                        (d.outbox_id, d.target_name, d.statement_id, d.attempts, d.last_error)
                        for d in letters
                    ],
                )
        else:
            targets = await ops.list_targets(store.outbox, actor, args.tenant)
            if args.json:
                print_json({"targets": [ops.target_json(t) for t in targets]})
            else:
                print_table(
                    ("ID", "NAME", "KIND", "URL", "ON", "PENDING", "DEAD", "SENT", "LAST SENT"),
                    [
                        (
                            t.target.id,
                            t.target.name,
                            t.target.kind,
                            t.target.url,
                            t.target.enabled,
                            t.pending,
                            t.dead,
                            t.delivered,
                            when(t.last_delivered_ms),
                        )
                        for t in targets
                    ],
                )
        return 0

    return run_admin(job)


def change_target(args: argparse.Namespace) -> int:
    async def job(store: Store) -> int:
        actor = cli_actor(store.audit)
        if args.action == "remove":
            await ops.delete_target(store.outbox, actor, args.tenant, args.target)
            print(f"removed target {args.target}")
            return 0
        enabled = args.action == "enable"
        status = await ops.set_target_enabled(
            store.outbox, actor, args.tenant, args.target, enabled
        )
        if args.json:
            print_json(ops.target_json(status))
        else:
            print(f"target {args.target}: {'enabled' if enabled else 'disabled'}")
        return 0

    return run_admin(job)

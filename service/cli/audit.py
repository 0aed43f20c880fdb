"""`python -m service audit`: read the audit log of administrative actions (issue 20)."""

from __future__ import annotations

import argparse
from typing import Any

from service.cli.admin_common import print_json, print_table, run_admin, when
from service.store.ports import Store
from service.tenancy.admin.actor import cli_actor
from service.tenancy.admin.audit import audit_json, list_audit, parse_audit_query


def register(commands: Any) -> None:
    audit = commands.add_parser("audit", help="list administrative actions, newest first")
    audit.add_argument("--tenant", help="only this tenant's events")
    audit.add_argument("--actor", help="only actors starting with this (credential:KEY, cli:USER)")
    audit.add_argument("--action", help="only actions starting with this (credential.)")
    audit.add_argument("--since", help="at or after this instant (ISO 8601)")
    audit.add_argument("--until", help="before this instant (ISO 8601)")
    audit.add_argument("--before", help="only events with a smaller id (the next page)")
    audit.add_argument("--limit", default="100", help="at most this many (at most 1000)")
    audit.add_argument("--json", action="store_true")
    audit.set_defaults(run=show_audit)


def show_audit(args: argparse.Namespace) -> int:
    async def job(store: Store) -> int:
        names = ("tenant", "actor", "action", "since", "until", "before", "limit")
        query = parse_audit_query({name: getattr(args, name) for name in names})
        entries = await list_audit(cli_actor(store.audit), query)
        if args.json:
            print_json({"events": [audit_json(entry) for entry in entries]})
            return 0
        print_table(
            ("ID", "WHEN", "ACTOR", "ACTION", "TENANT", "TARGET", "FROM", "OUTCOME"),
            [
                (
                    e.id,
                    when(e.event.at_ms),
                    e.event.actor,
                    e.event.action,
                    e.event.tenant,
                    e.event.target,
                    e.event.source,
                    e.event.outcome,
                )
                for e in entries
            ],
        )
        return 0

    return run_admin(job)

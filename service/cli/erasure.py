"""`python -m service erase|erasures`: erase one agent from a tenant, list erasures (issue 5)."""

from __future__ import annotations

import argparse
from dataclasses import asdict
from typing import Any

from service.cli.admin_common import print_json, print_table, run_admin, when
from service.cli.retraction import outcome_retraction
from service.store.ports import Store
from service.tenancy.admin import erasure as ops
from service.tenancy.admin.actor import cli_actor


def register(commands: Any) -> None:
    erase = commands.add_parser(
        "erase", help="erase everything stored about one agent in one tenant (GDPR)"
    )
    erase.add_argument("--tenant", default="default")
    erase.add_argument(
        "--agent", required=True, help='the agent as JSON, e.g. \'{"mbox":"mailto:a@b.org"}\''
    )
    erase.add_argument("--json", action="store_true")
    erase.set_defaults(run=erase_agent)
    erasures = commands.add_parser("erasures", help="list the erasure records of a tenant")
    erasures.add_argument("--tenant", default="default")
    erasures.add_argument("--agent", help="only the erasures of this agent (JSON)")
    erasures.add_argument("--json", action="store_true")
    erasures.set_defaults(run=list_erasures)


def erase_agent(args: argparse.Namespace) -> int:
    async def job(store: Store) -> int:
        record = await ops.erase(
            store.accounts,
            store.erasure,
            cli_actor(store.audit),
            args.tenant,
            args.agent,
            outcome_retraction(store),
        )
        if args.json:
            print_json(ops.erasure_json(record))
        else:
            counts = ", ".join(
                f"{name.replace('_', ' ')} {value}" for name, value in asdict(record.counts).items()
            )
            print(f"erasure {record.id} recorded: {counts}")
        return 0

    return run_admin(job)


def list_erasures(args: argparse.Namespace) -> int:
    async def job(store: Store) -> int:
        records = await ops.list_erasures(
            store.erasure, cli_actor(store.audit), args.tenant, args.agent
        )
        if args.json:
            print_json({"erasures": [ops.erasure_json(r) for r in records]})
            return 0
        print_table(
            ("ID", "WHEN", "BY", "AGENT HASH", "STATEMENTS DELETED", "REDACTED", "DOCUMENTS"),
            [
                (
                    r.id,
                    when(r.erased_ms),
                    r.erased_by,
                    r.agent_hash[:23] + "…",
                    r.counts.statements_deleted,
                    r.counts.statements_redacted,
                    r.counts.documents_deleted,
                )
                for r in records
            ],
        )
        return 0

    return run_admin(job)

"""`python -m service migrate --from URL --to URL`: copy a whole LRS to another store."""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import sys
import time
from typing import Any

from service.model.errors import StoreError
from service.store.migration.endpoints import open_source, open_target
from service.store.migration.runner import COPIED_KINDS, MigrationError, Result, migrate


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "migrate",
        help="copy a whole LRS (tenants, credentials, statements, documents, forwarding, "
        "erasures) from one store to another, then verify",
    )
    parser.add_argument("--from", dest="source", required=True, help="source store URL")
    parser.add_argument("--to", dest="target", required=True, help="target store URL")
    parser.add_argument(
        "--resume", action="store_true", help="continue an interrupted copy into the target"
    )
    parser.add_argument(
        "--without-outcomes",
        action="store_true",
        help="copy although the source holds outcome data this release cannot copy yet",
    )
    parser.add_argument("--chunk", type=int, default=2000, help="records per round trip")
    parser.set_defaults(run=run_migrate)


def run_migrate(args: argparse.Namespace) -> int:
    started = time.monotonic()
    try:
        result = asyncio.run(_run(args))
    except (MigrationError, StoreError, ValueError, sqlite3.Error) as exc:
        print(f"migrate: {exc}", file=sys.stderr)
        return 2
    _report(result, time.monotonic() - started)
    return 1 if result.problems else 0


async def _run(args: argparse.Namespace) -> Result:
    async with open_source(args.source) as source, open_target(args.target) as target:
        return await migrate(
            source,
            target,
            resume=args.resume,
            without_outcomes=args.without_outcomes,
            chunk=args.chunk,
        )


def _report(result: Result, seconds: float) -> None:
    print(f"{'kind':16} {'source':>10} {'target':>10} {'copied now':>10}")
    for kind in COPIED_KINDS:
        print(
            f"{kind:16} {result.source.total(kind):>10} {result.target.total(kind):>10} "
            f"{result.copied.get(kind, 0):>10}"
        )
    if result.left_behind:
        left = ", ".join(f"{name} ({count})" for name, count in result.left_behind.items())
        print(f"left behind (not copied by this release): {left}")
    if result.problems:
        print("verification FAILED:")
        for line in result.problems:
            print(f"  {line}")
    else:
        tenants = sorted({t for tallies in result.source.kinds.values() for t in tallies})
        print(
            f"verified: counts and id checksums equal for every kind in {len(tenants)} "
            f"tenant(s); {seconds:.1f} s"
        )

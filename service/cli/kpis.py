"""`python -m service kpis import FILE`: upload KPI observations from a CSV or JSON file."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from service.cli.admin_common import run_admin
from service.model.errors import NotSupportedByStoreError
from service.outcomes.kpi_import import KpiUpload, import_kpis
from service.outcomes.problems import InvalidDocumentError
from service.store.ports import Store


def register(commands: Any) -> None:
    kpis = commands.add_parser("kpis", help="KPI observations for the outcome reports")
    actions = kpis.add_subparsers(title="actions")
    upload = actions.add_parser("import", help="add or update observations from a file")
    upload.add_argument("file", type=Path, help="a .csv (kpi,org_unit,period,value) or .json")
    upload.add_argument("--tenant", default="default")
    upload.add_argument("--replace", action="store_true", help="replace every observation")
    upload.add_argument(
        "--allow-new-units",
        action="store_true",
        help="accept org units nobody in the roster was in during the row's period",
    )
    upload.set_defaults(run=import_file)


def import_file(args: argparse.Namespace) -> int:
    body = args.file.read_bytes()
    media = "application/json" if args.file.suffix.lower() == ".json" else "text/csv"
    upload = KpiUpload(replace=args.replace, allow_new_units=args.allow_new_units)

    async def job(store: Store) -> int:
        if store.outcomes is None:
            raise NotSupportedByStoreError("KPI observations need the SQLite store")
        try:
            result = await import_kpis(store.outcomes.org, args.tenant, body, media, upload)
        except InvalidDocumentError as error:
            print(f"error: {error.message}", file=sys.stderr)
            for problem in error.problems:
                where = f"line {problem['line']}" if "line" in problem else problem.get("path")
                print(f"  {where}: {problem['message']}", file=sys.stderr)
            return 2
        print(f"imported {result['imported']} observations")
        return 0

    return run_admin(job)

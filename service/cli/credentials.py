"""`python -m service credentials ...`: manage client credentials."""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any

import orjson

from service.auth import XAPI_SCOPES, new_credential
from service.settings import Settings
from service.store.factory import make_store


def register(commands: Any) -> None:
    credentials = commands.add_parser("credentials", help="manage client credentials")
    actions = credentials.add_subparsers(title="actions")
    create = actions.add_parser("create", help="create a credential and print its secret once")
    create.add_argument("--name", required=True, help="a label, e.g. 'Moodle production'")
    create.add_argument("--tenant", default="default")
    create.add_argument(
        "--scopes", default="all", help=f"comma-separated, from: {', '.join(XAPI_SCOPES)}"
    )
    create.add_argument("--json", action="store_true", help="print JSON for scripts")
    create.set_defaults(run=create_credential)


def create_credential(args: argparse.Namespace) -> int:
    scopes = tuple(s.strip() for s in args.scopes.split(",") if s.strip())
    unknown = [s for s in scopes if s not in XAPI_SCOPES]
    if unknown or not scopes:
        print(f"unknown scope(s): {', '.join(unknown) or '(none given)'}", file=sys.stderr)
        return 2
    issued = new_credential(name=args.name, tenant=args.tenant, scopes=scopes)

    async def save() -> None:
        store = make_store(Settings())
        await store.open()
        try:
            await store.add_credential(issued.record)
        finally:
            await store.close()

    asyncio.run(save())
    if args.json:
        payload = {
            "key": issued.key,
            "secret": issued.secret,
            "name": args.name,
            "tenant": args.tenant,
            "scopes": list(scopes),
        }
        print(orjson.dumps(payload).decode())
    else:
        print(f"key:    {issued.key}\nsecret: {issued.secret}\n(the secret is not shown again)")
    return 0

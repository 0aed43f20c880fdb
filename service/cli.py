"""Command-line interface: serve the LRS and administer credentials."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys

import orjson
import uvicorn

from service.auth import XAPI_SCOPES, new_credential
from service.settings import Settings
from service.store.factory import make_store


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "run"):
        parser.print_help()
        return 2
    result: int = args.run(args)
    return result


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m service", description="xAPI Learning Record Store"
    )
    commands = parser.add_subparsers(title="commands")

    serve = commands.add_parser("serve", help="run the LRS (settings from LRS_* variables)")
    serve.add_argument("--host", help="listen address (LRS_HOST)")
    serve.add_argument("--port", type=int, help="listen port (LRS_PORT)")
    serve.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    serve.set_defaults(run=_serve)

    credentials = commands.add_parser("credentials", help="manage client credentials")
    actions = credentials.add_subparsers(title="actions")
    create = actions.add_parser("create", help="create a credential and print its secret once")
    create.add_argument("--name", required=True, help="a label, e.g. 'Moodle production'")
    create.add_argument("--tenant", default="default")
    create.add_argument(
        "--scopes", default="all", help=f"comma-separated, from: {', '.join(XAPI_SCOPES)}"
    )
    create.add_argument("--json", action="store_true", help="print JSON for scripts")
    create.set_defaults(run=_create_credential)
    return parser


def _serve(args: argparse.Namespace) -> int:
    overrides = {k: v for k, v in (("host", args.host), ("port", args.port)) if v is not None}
    settings = Settings(**overrides)
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(levelname)s %(name)s: %(message)s"
    )
    for name, value in overrides.items():
        os.environ[f"LRS_{name.upper()}"] = str(value)  # the app factory reads its settings anew
    uvicorn.run(
        "service.app:create_app",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=args.workers,
        log_level=settings.log_level,
        proxy_headers=True,
    )
    return 0


def _create_credential(args: argparse.Namespace) -> int:
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

"""Command-line interface: `python -m service COMMAND`; each command group is its own module."""

from __future__ import annotations

import argparse

from service.cli import (
    audit,
    backup,
    config,
    credentials,
    erasure,
    feed_sync,
    forwarding,
    kpis,
    migrate,
    retention,
    serve,
    tenants,
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m service", description="xAPI Learning Record Store"
    )
    commands = parser.add_subparsers(title="commands")
    modules = (
        serve,
        credentials,
        tenants,
        forwarding,
        erasure,
        retention,
        audit,
        config,
        backup,
        kpis,
        migrate,
        feed_sync,
    )
    for module in modules:
        module.register(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "run"):
        parser.print_help()
        return 2
    result: int = args.run(args)
    return result

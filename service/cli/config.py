"""`python -m service config`: print the effective configuration, secrets masked."""

from __future__ import annotations

import argparse
import sys
from typing import Any

import orjson
from pydantic import ValidationError

from service.ops.config import effective_config, render_text
from service.settings import Settings


def register(commands: Any) -> None:
    config = commands.add_parser(
        "config", help="print the effective configuration (LRS_* variables and .env)"
    )
    config.add_argument("--json", action="store_true", help="print one JSON object")
    config.set_defaults(run=show_config)


def show_config(args: argparse.Namespace) -> int:
    try:
        settings = Settings()
    except ValidationError as exc:
        print(f"invalid configuration:\n{exc}", file=sys.stderr)
        return 2
    config = effective_config(settings)
    if args.json:
        print(orjson.dumps(config, option=orjson.OPT_INDENT_2).decode())
    else:
        print(render_text(config))
    return 0

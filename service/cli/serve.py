"""`python -m service serve`: run the LRS with uvicorn."""

from __future__ import annotations

import argparse
import logging
import os
from typing import Any

import uvicorn

from service.settings import Settings


def register(commands: Any) -> None:
    serve = commands.add_parser("serve", help="run the LRS (settings from LRS_* variables)")
    serve.add_argument("--host", help="listen address (LRS_HOST)")
    serve.add_argument("--port", type=int, help="listen port (LRS_PORT)")
    serve.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    serve.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    overrides = {k: v for k, v in (("host", args.host), ("port", args.port)) if v is not None}
    for name, value in overrides.items():
        os.environ[f"LRS_{name.upper()}"] = str(value)  # the app factory reads its settings anew
    settings = Settings()
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(levelname)s %(name)s: %(message)s"
    )
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

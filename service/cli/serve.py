"""`python -m service serve`: run the LRS with uvicorn."""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import sys
from typing import Any

import uvicorn
from uvicorn.config import STARTUP_FAILURE
from uvicorn.supervisors import Multiprocess

from service.api.http_protocol import head_limit, http_protocol
from service.ops.listener import ListenError, bind_listener
from service.ops.logging import configure_logging
from service.ops.preflight import store_problem
from service.ops.startup import announce
from service.runtime import Runtime
from service.settings import Settings
from service.tenancy.sso.people import config_problem


def register(commands: Any) -> None:
    serve = commands.add_parser("serve", help="run the LRS (settings from LRS_* variables)")
    serve.add_argument("--host", help="listen address (LRS_HOST)")
    serve.add_argument("--port", type=int, help="listen port (LRS_PORT)")
    serve.add_argument("--workers", type=int, help="worker processes (LRS_WORKERS)")
    serve.set_defaults(run=run)


def default_statement_writer() -> str:
    """A writer process where a second core can run it, else the writer thread (one core
    would only pay the pipe's cost)."""
    return "process" if len(os.sched_getaffinity(0)) >= 2 else "thread"


def run(args: argparse.Namespace) -> int:
    pairs = (("host", args.host), ("port", args.port), ("workers", args.workers))
    for name, value in pairs:
        if value is not None:
            os.environ[f"LRS_{name.upper()}"] = str(value)  # the app factory reads them anew
    os.environ.setdefault("LRS_TUNE_INTERPRETER", "true")  # see service/ops/tuning.py
    os.environ.setdefault("LRS_STATEMENT_WRITER", default_statement_writer())
    settings = Settings()
    configure_logging(settings.log_level, settings.log_format)
    try:  # first of all: a busy port must not leave a new store or credential behind
        listener = bind_listener(settings.host, settings.port)
    except ListenError as exc:
        print(f"cannot start: {exc}", file=sys.stderr)
        return 1
    with listener:
        problem = store_problem(settings)  # fail fast, before serving (issue 7)
        if problem is not None:
            print(f"cannot start: the store is not usable: {problem}", file=sys.stderr)
            return 1
        problem = config_problem(settings.oidc)
        if problem is not None:
            print(f"cannot start: single sign-on: {problem}", file=sys.stderr)
            return 1
        return _serve(settings, listener)


def _serve(settings: Settings, listener: socket.socket) -> int:
    """Run uvicorn on the bound socket, in this process or in `settings.workers` workers."""
    config = uvicorn.Config(
        "service.app:create_app",
        factory=True,
        host=settings.host,  # for uvicorn's messages: the listener is bound already
        port=settings.port,
        workers=settings.workers,
        log_level=settings.log_level,
        proxy_headers=True,
        log_config=None,  # our handler formats uvicorn's records too
        access_log=False,  # the service writes its own request lines
        timeout_graceful_shutdown=settings.shutdown_timeout,
        http=http_protocol(settings),  # time and size limits on request heads
        # The request head is capped here for h11 and by the protocol for httptools; the cap
        # leaves room for the middleware's limits (service/api/request_limits.py) to answer first.
        h11_max_incomplete_event_size=head_limit(settings),
    )
    server = uvicorn.Server(config)
    try:
        if settings.workers > 1:
            asyncio.run(_prepare_store(settings))
            Multiprocess(config, sockets=[listener]).run()
            return 0
        server.run(sockets=[listener])
    except KeyboardInterrupt:  # as uvicorn.run: Ctrl-C before the signal handlers are set
        return 0
    return 0 if server.started else STARTUP_FAILURE


async def _prepare_store(settings: Settings) -> None:
    """Create the schema and the bootstrap credential once, before the workers start."""
    runtime = Runtime.build(settings)
    await runtime.start()
    try:
        announce(runtime.settings, runtime.store.kind, runtime.generated_credential)
    finally:
        await runtime.stop()

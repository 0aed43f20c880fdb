"""Start-up events: where the service listens, its configuration, and the first-run credential."""

from __future__ import annotations

import logging
import sys
from typing import IO, Protocol

from service import __version__
from service.ops.config import effective_config
from service.ops.logging import log_event
from service.settings import Settings

log = logging.getLogger("service")


class FirstCredential(Protocol):
    """The credential start-up generated because none existed; its secret is shown once."""

    @property
    def key(self) -> str: ...

    @property
    def secret(self) -> str: ...


def announce(
    settings: Settings,
    store_kind: str,
    issued: FirstCredential | None,
    console: IO[str] | None = None,
) -> None:
    """Log the start-up and configuration events; print a generated credential for the person."""
    endpoint = f"{settings.authority_home_page}{settings.api_prefix}/"
    if issued is not None:
        credential = "generated"
    elif settings.bootstrap_key:
        credential = "bootstrap"
    else:
        credential = "existing"
    log_event(log, "config", settings=effective_config(settings))
    log_event(
        log,
        "startup",
        version=__version__,
        endpoint=endpoint,
        listen=f"{settings.host}:{settings.port}",  # uvicorn says nothing on a socket we bound
        store=store_kind,
        credential=credential,
    )
    if issued is None:
        return
    log_event(log, "credential.generated", key=issued.key)
    print(
        "\nNo credential existed, so one was created. The secret is shown only this once:\n"
        f"    key:    {issued.key}\n    secret: {issued.secret}\n"
        f"    try:    curl -u {issued.key}:{issued.secret} "
        f"-H 'X-Experience-API-Version: 1.0.3' {endpoint}statements\n",
        file=console or sys.stderr,
        flush=True,
    )

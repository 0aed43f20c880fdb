"""Bind the listening address first, so a busy or unusable port stops start-up before anything.

The bound socket is handed to uvicorn (one process or its workers): nothing else can take the
port between this check and serving, and no store or credential exists when the check fails.
"""

from __future__ import annotations

import errno
import socket


class ListenError(Exception):
    """The configured address cannot be listened on; the message says what to do."""


def bind_listener(host: str, port: int) -> socket.socket:
    """A TCP socket bound to host:port (not yet listening), inheritable by worker processes."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise ListenError(_explain(host, port, exc)) from None
    sock.set_inheritable(True)
    return sock


def _explain(host: str, port: int, exc: OSError) -> str:
    address = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    if isinstance(exc, socket.gaierror):
        return f"cannot listen on {address}: the host name does not resolve; check LRS_HOST"
    if exc.errno == errno.EADDRINUSE:
        return (
            f"{address} is already in use by another process: stop that process, "
            "or choose another port (LRS_PORT or --port)"
        )
    if exc.errno == errno.EADDRNOTAVAIL:
        return (
            f"cannot listen on {address}: {host} is not an address of this machine; "
            "check LRS_HOST (0.0.0.0 listens on every address)"
        )
    if exc.errno == errno.EACCES:
        return (
            f"cannot listen on {address}: ports below 1024 need privileges; "
            "choose a higher port (LRS_PORT or --port)"
        )
    return f"cannot listen on {address}: {exc.strerror or exc}; check LRS_HOST and LRS_PORT"

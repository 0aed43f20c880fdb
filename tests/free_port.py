"""A loopback port nothing listens on right now (its own module: the MongoDB test-server
support and the served-process harness both need it, and import each other's other parts)."""

from __future__ import annotations

import socket


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port

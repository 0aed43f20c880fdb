"""Run `python -m service serve` as a real process on a free loopback port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import IO

import httpx

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def serve(env: dict[str, str], log: IO[bytes]) -> subprocess.Popen[bytes]:
    """Start the service with these LRS_ variables added to the environment."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("LRS_")}
    return subprocess.Popen(
        [sys.executable, "-m", "service", "serve"],
        env={**clean, "LRS_HOST": "127.0.0.1", **env},
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=ROOT,
    )


def wait_ready(base: str, process: subprocess.Popen[bytes], seconds: float = 30) -> None:
    """Return once /readyz answers 200; fail if the process exits or time runs out."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the service exited with {process.returncode}")
        try:
            if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    process.kill()
    raise AssertionError("the service did not become ready")

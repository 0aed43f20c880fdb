"""Start `python -m service serve` on a fixed store, wait for /readyz, end it with SIGKILL.

Needs only the test extras (httpx), not the load extras, so `make crashtest` runs on $(STAMP).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
KEY, SECRET = "crashtest", "crashtest-secret"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class NotReadyError(Exception):
    """The service exited or did not answer /readyz 200 in time."""


@dataclass
class Service:
    """One running service process on 127.0.0.1."""

    process: subprocess.Popen[bytes]
    port: int

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def kill(self) -> None:
        """SIGKILL: no shutdown hook, no final commit, no checkpoint runs."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        """SIGTERM, the graceful way (at the end of a run)."""
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.kill()


def spawn(store_url: str, log: Path, **settings: str) -> Service:
    """Start the service (durable acknowledgements, the default) without waiting for it;
    `settings` are more LRS_ variables."""
    port = free_port()
    clean = {k: v for k, v in os.environ.items() if not k.startswith("LRS_")}
    env = {
        **clean,
        "LRS_HOST": "127.0.0.1",
        "LRS_PORT": str(port),
        "LRS_STORE_URL": store_url,
        "LRS_BOOTSTRAP_KEY": KEY,
        "LRS_BOOTSTRAP_SECRET": SECRET,
        "LRS_ACCESS_LOG": "false",
        "LRS_LOG_LEVEL": "warning",
        **settings,
    }
    with log.open("ab") as out:
        command = [sys.executable, "-m", "service", "serve"]
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT)
    return Service(process, port)


def wait_ready(service: Service, seconds: float = 60) -> float:
    """Seconds until /readyz answered 200; NotReadyError if the process exits or time runs out."""
    started = time.monotonic()
    with httpx.Client(base_url=service.base, timeout=2) as client:
        while time.monotonic() - started < seconds:
            if service.process.poll() is not None:
                raise NotReadyError(f"the service exited with status {service.process.returncode}")
            try:
                if client.get("/readyz").status_code == 200:
                    return time.monotonic() - started
            except httpx.TransportError:
                pass
            time.sleep(0.02)
    service.kill()
    raise NotReadyError(f"/readyz did not answer 200 within {seconds:.0f} s")

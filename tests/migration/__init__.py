"""Tests of `python -m service migrate`."""

from __future__ import annotations

import subprocess
import sys

from tests.server.served import ROOT


def run_migrate(*args: str) -> subprocess.CompletedProcess[str]:
    """`python -m service migrate ARGS` as an operator runs it: exit code and text output."""
    return subprocess.run(
        [sys.executable, "-m", "service", "migrate", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
        check=False,
    )

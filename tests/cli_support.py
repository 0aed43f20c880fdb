"""Running `python -m service ...` as a script would, against one SQLite store."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def run_cli(*args: str, store: Path) -> subprocess.CompletedProcess[str]:
    """The command's exit code and text output, with LRS_STORE_URL naming `store`."""
    env = {**os.environ, "LRS_STORE_URL": f"sqlite:///{store}"}
    return subprocess.run(
        [sys.executable, "-m", "service", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

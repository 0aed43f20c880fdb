"""`make demo` against a real served LRS: estimates beside the truth it planted."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

from tests.server.served import running_lrs

KEY, SECRET = "demo", "demo-secret-123456"


def test_the_demo_prints_estimates_beside_the_planted_truth(tmp_path: Path) -> None:
    with running_lrs(tmp_path, KEY, SECRET) as base:
        env = {
            **os.environ,
            "LRS_PORT": str(urlsplit(base).port),
            "LRS_BOOTSTRAP_KEY": KEY,
            "LRS_BOOTSTRAP_SECRET": SECRET,
        }
        done = subprocess.run(
            [sys.executable, "-m", "deploy.examples.demo"],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert done.returncode == 0, done.stderr
    rows = {
        match[0]: [float(value) for value in match[1:]]
        for match in re.findall(
            r"^(\S+) +([+-][\d.]+) +([+-][\d.]+) +([+-][\d.]+) \.\. ([+-][\d.]+)",
            done.stdout,
            re.MULTILINE,
        )
    }
    truth, _, low, high = rows["revenue-per-rep"]
    assert low <= truth <= high
    assert low > 0
    placebo, _, low, high = rows["office-coffee"]
    assert placebo == 0
    assert low <= 0 <= high
    assert "left out: Sales Pilot: fewer than 5 people" in done.stdout
    assert "not proof that the programme caused it" in done.stdout

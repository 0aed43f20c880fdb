"""`make audit` must never pass a dependency set it did not really check."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
VULNERABLE = "requests==2.19.0\n"  # CVE-2018-18074, PYSEC-2018-28


def audit_command(requirements: Path) -> list[str]:
    """The pip-audit line of the Makefile's audit target, run on `requirements`."""
    text = (ROOT / "Makefile").read_text().replace("\\\n", " ")
    recipe = re.search(r"^audit:.*\n((?:\t.*\n?)+)", text, re.MULTILINE)
    assert recipe is not None, "the Makefile has no audit target"
    line = next(ln for ln in recipe.group(1).splitlines() if "pip-audit" in ln)
    words = shlex.split(line.strip())
    executable = Path(sys.executable).with_name("pip-audit")
    words = [str(executable) if w.endswith("/pip-audit") else w for w in words]
    return [str(requirements) if w.endswith("audit-requirements.txt") else w for w in words]


def test_audit_fails_on_a_known_vulnerability_or_an_unchecked_package(tmp_path: Path) -> None:
    """Where the advisory service answers, the old pin is reported; where it does not (or a
    version is unknown to it), --strict fails. Either way the exit status is not 0."""
    pytest.importorskip("pip_audit")
    requirements = tmp_path / "requirements.txt"
    requirements.write_text(VULNERABLE)
    command = audit_command(requirements)
    assert "--strict" in command
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode != 0, done.stdout + done.stderr
    assert "requests" in done.stdout + done.stderr

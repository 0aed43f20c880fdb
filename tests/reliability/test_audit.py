"""`make audit` must never pass a dependency set it did not really check.

The audit asks an advisory service on the internet; tests and CI contact no host but the
loopback, so here it runs against an unreachable service. The run against the real service is
the operator's `make audit`, or this file with LRS_TEST_AUDIT_ONLINE=1 where it is reachable.
"""

from __future__ import annotations

import os
import re
import shlex
import socket
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


def _closed_loopback_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def test_audit_checks_strictly_what_is_installed() -> None:
    """--strict fails on any package the service could not check (it answers 404 for some
    versions, and pip-audit then skips them and reports nothing found)."""
    command = audit_command(Path("requirements.txt"))
    assert "--strict" in command
    assert "--no-deps" in command  # the frozen list is already complete and pinned
    makefile = (ROOT / "Makefile").read_text()
    assert "pip freeze --all --exclude-editable > $(VENV)/audit-requirements.txt" in makefile


def test_audit_fails_where_its_advisory_service_is_unreachable(tmp_path: Path) -> None:
    """All traffic goes to a loopback proxy that refuses: the audit must not exit 0."""
    pytest.importorskip("pip_audit")
    requirements = tmp_path / "requirements.txt"
    requirements.write_text(VULNERABLE)
    proxy = f"http://127.0.0.1:{_closed_loopback_port()}"
    clean = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    env = {**clean, "HTTPS_PROXY": proxy, "HTTP_PROXY": proxy}
    done = subprocess.run(
        [*audit_command(requirements), "--cache-dir", str(tmp_path / "cache")],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env=env,
    )
    output = done.stdout + done.stderr
    assert done.returncode != 0, output
    assert "Unable to connect to proxy" in output  # it did try, and only the loopback
    assert "No known vulnerabilities found" not in output


@pytest.mark.skipif(
    os.environ.get("LRS_TEST_AUDIT_ONLINE") != "1",
    reason="contacts the advisory service: set LRS_TEST_AUDIT_ONLINE=1 where it is reachable",
)
def test_audit_reports_a_known_vulnerability_online(tmp_path: Path) -> None:
    """Where the service answers, the old pin is reported (or, unchecked, fails --strict)."""
    pytest.importorskip("pip_audit")
    requirements = tmp_path / "requirements.txt"
    requirements.write_text(VULNERABLE)
    command = audit_command(requirements)
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode != 0, done.stdout + done.stderr
    assert "requests" in done.stdout + done.stderr

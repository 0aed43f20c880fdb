"""Fuzzing budgets as Hypothesis profiles, and the count of generated cases in the summary.

LRS_FUZZ_PROFILE=ci (default, the short budget of the normal suite) or fuzz (`make fuzz`);
LRS_FUZZ_EXAMPLES overrides the examples per fuzz target of either profile.
"""

from __future__ import annotations

import pytest

from tests.reliability.fuzz_support import CASES, profile_name


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say how many cases the fuzz tests generated, per target (issue 9)."""
    if not CASES:
        return
    parts = ", ".join(f"{name}: {count}" for name, count in sorted(CASES.items()))
    total = sum(CASES.values())
    terminalreporter.write_line(f"fuzz profile {profile_name()}: {total} cases generated ({parts})")

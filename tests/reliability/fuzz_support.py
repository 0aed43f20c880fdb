"""What the fuzz tests share: Hypothesis budgets, the case counter, the app under test."""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

from fastapi import FastAPI
from hypothesis import HealthCheck, Phase, settings

from service.app import create_app
from tests.conftest import make_settings

CASES: Counter[str] = Counter()
"""Generated cases per fuzz target, printed at the end of the run."""

REQUEST_TIMEOUT = 30.0
"""Seconds one request may take before the fuzz tests call it a hang."""

_BUDGETS = {"ci": 8, "fuzz": 200}
_HEALTH = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]


def profile_name() -> str:
    name = os.environ.get("LRS_FUZZ_PROFILE", "ci")
    if name not in _BUDGETS:
        raise ValueError(f"LRS_FUZZ_PROFILE must be one of {sorted(_BUDGETS)}, not {name!r}")
    return name


def _examples(name: str) -> int:
    override = os.environ.get("LRS_FUZZ_EXAMPLES")
    return int(override) if override else _BUDGETS[name]


for _name in _BUDGETS:
    settings.register_profile(
        f"lrs-{_name}",
        max_examples=_examples(_name),
        deadline=None,  # a hang is caught by REQUEST_TIMEOUT, not by timing each example
        database=None,
        derandomize=_name == "ci",  # CI runs the same cases every time
        print_blob=True,
        suppress_health_check=[*_HEALTH, HealthCheck.function_scoped_fixture],
        phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink],
    )


def fuzz_settings(scale: float = 1.0) -> settings:
    """The selected profile, its example budget scaled for cheaper or dearer targets."""
    base = settings.get_profile(f"lrs-{profile_name()}")
    return settings(base, max_examples=max(1, int(base.max_examples * scale)))


def fuzz_app(tmp_path: Path) -> FastAPI:
    """The real app on an SQLite file with the bootstrap credential, on the default settings."""
    return create_app(make_settings(tmp_path))

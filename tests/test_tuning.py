"""Interpreter tuning applied by `serve` (service/ops/tuning.py)."""

from __future__ import annotations

import gc
import sys
from collections.abc import Iterator

import pytest

from service.ops.tuning import GC_THRESHOLDS, SWITCH_INTERVAL_S, tune_interpreter


@pytest.fixture
def restored() -> Iterator[None]:
    thresholds, interval = gc.get_threshold(), sys.getswitchinterval()
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)
    sys.setswitchinterval(interval)


@pytest.mark.usefixtures("restored")
def test_tuning_freezes_start_up_objects_and_raises_thresholds() -> None:
    tune_interpreter()
    assert gc.get_freeze_count() > 0
    assert gc.get_threshold() == GC_THRESHOLDS
    assert sys.getswitchinterval() == pytest.approx(SWITCH_INTERVAL_S)

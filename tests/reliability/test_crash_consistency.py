"""SIGKILL during batch ingest loses nothing acknowledged and stores no batch in part.

The short variant of `make crashtest` (loadtests/crashtest.py): the real service as a process
on the embedded store, durable acknowledgements (the default), concurrent POSTs of 1..200
statements, SIGKILL at random moments, restart on the same file, then the checks: SR-2 ids
answered in order and SR-3 generated ids retrievable, stored as sent; V-46 batches
all-or-nothing, also when the kill cut the answer off; SR-46 `more` paging returns each stored
statement once, and (in the last cycle) a `more` link from before the kill still works after it.
"""

from __future__ import annotations

import io
import sqlite3
from pathlib import Path

import httpx

from loadtests.crash_batches import Ledger
from loadtests.crash_load import HEADERS
from loadtests.crash_server import KEY, SECRET, spawn, wait_ready
from loadtests.crash_verify import Checks, Findings, verify_everything
from loadtests.crashtest import Config, run

SEED = 26  # its five cycles kill while busy, while idle and during a start-up


def run_clean(config: Config, ledger: Ledger) -> None:
    """Five kills in every mode, with nothing lost or half stored and every acknowledged
    statement verified; some kills cut requests off (else the run proves little)."""
    out = io.StringIO()
    summary = run(config, out, ledger)
    assert summary.problems == [], out.getvalue()
    assert summary.survived == 5
    assert set(summary.modes) == {"busy", "idle", "startup"}
    assert summary.lost == 0
    assert summary.half_stored == 0
    assert summary.acknowledged > 0
    assert summary.verified == summary.acknowledged
    assert any(batch.ids is None for batch in ledger.batches), "some kills cut requests off"


def verify_after_restart(store: str, directory: Path, ledger: Ledger) -> Findings:
    """Start the LRS on the store again and check every statement the ledger knows."""
    service = spawn(store, directory / "server.log")
    try:
        wait_ready(service)
        with httpx.Client(base_url=service.base, auth=(KEY, SECRET), headers=HEADERS) as client:
            return verify_everything(client, ledger, 100)
    finally:
        service.stop()


def test_sigkill_during_ingest_keeps_acknowledged_statements_and_batches_whole(
    tmp_path: Path,
) -> None:
    ledger = Ledger()
    checks = Checks(lookups=100)
    config = Config(5, SEED, tmp_path, max_kill=0.5, full_every=5, checks=checks)
    run_clean(config, ledger)
    unacknowledged = [batch for batch in ledger.batches if batch.ids is None]
    assert all(batch.stored is not None for batch in unacknowledged)

    # The checks have teeth: an acknowledged statement removed behind the LRS's back is lost.
    victim = next(batch for batch in ledger.batches if batch.ids is not None).ids
    assert victim is not None
    with sqlite3.connect(tmp_path / "lrs.sqlite3") as conn:
        conn.execute("DELETE FROM statements WHERE id = ?", (victim[0],))
    findings = verify_after_restart(config.store, tmp_path, ledger)
    assert findings.lost == 1
    assert findings.problems == [
        f"paging everything: stored statement {_tag(ledger, victim[0])} is missing"
    ]


def _tag(ledger: Ledger, statement_id: str) -> str:
    return next(tag for tag, sid in ledger.stored.items() if sid == statement_id)

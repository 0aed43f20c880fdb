"""SIGKILL during batch ingest on MongoDB: nothing acknowledged lost, no batch visible in part.

The approach of tests/reliability/test_crash_consistency.py (loadtests/crashtest.py) with the
served LRS on the MongoDB store: concurrent POSTs, SIGKILL at random moments (while busy, while
idle, during a start-up), restart on the same database, then the checks: SR-2/SR-3 every
acknowledged statement retrievable as sent, V-46 every batch whole or absent (also those whose
answer the kill cut off: pending ones stay invisible, committed ones are visible whole), SR-46
`more` paging returns each visible statement once.
"""

from __future__ import annotations

import io
from pathlib import Path

import httpx
from pymongo import MongoClient

from loadtests.crash_batches import Ledger
from loadtests.crash_load import HEADERS
from loadtests.crash_server import KEY, SECRET, spawn, wait_ready
from loadtests.crash_verify import Checks, verify_everything
from loadtests.crashtest import Config, run

SEED = 26  # its five cycles kill while busy, while idle and during a start-up


def test_sigkill_during_ingest_on_mongodb_keeps_acknowledged_and_batches_whole(
    tmp_path: Path, fresh_mongo_url: str
) -> None:
    store_url = fresh_mongo_url
    ledger = Ledger()
    out = io.StringIO()
    config = Config(
        5,
        SEED,
        tmp_path,
        store_url=store_url,
        clients=3,
        max_batch=40,
        max_kill=1.0,
        full_every=5,
        checks=Checks(lookups=60),
    )
    summary = run(config, out, ledger)
    assert summary.problems == [], out.getvalue()
    assert summary.survived == 5
    assert set(summary.modes) == {"busy", "idle", "startup"}
    assert summary.lost == 0
    assert summary.half_stored == 0
    assert summary.acknowledged > 0
    assert summary.verified == summary.acknowledged
    assert any(batch.ids is None for batch in ledger.batches), "some kills cut requests off"

    # The checks have teeth: an acknowledged statement removed behind the LRS's back is lost.
    victim = next(batch for batch in ledger.batches if batch.ids is not None).ids
    assert victim is not None
    client: MongoClient[dict[str, object]] = MongoClient(store_url)
    try:
        client.get_default_database()["statements"].delete_one({"id": victim[0]})
    finally:
        client.close()
    service = spawn(store_url, tmp_path / "server.log")
    try:
        wait_ready(service)
        with httpx.Client(base_url=service.base, auth=(KEY, SECRET), headers=HEADERS) as http:
            findings = verify_everything(http, ledger, 100)
    finally:
        service.stop()
    assert findings.lost == 1

"""SIGKILL during batch ingest on MongoDB: nothing acknowledged lost, no batch visible in part.

The approach of tests/reliability/test_crash_consistency.py (loadtests/crashtest.py) with the
served LRS on the MongoDB store: concurrent POSTs, SIGKILL at random moments (while busy, while
idle, during a start-up), restart on the same database, then the checks: SR-2/SR-3 every
acknowledged statement retrievable as sent, V-46 every batch whole or absent (also those whose
answer the kill cut off: pending ones stay invisible, committed ones are visible whole), SR-46
`more` paging returns each visible statement once.
"""

from __future__ import annotations

from pathlib import Path

from pymongo import MongoClient

from loadtests.crash_batches import Ledger
from loadtests.crash_verify import Checks
from loadtests.crashtest import Config
from tests.reliability.test_crash_consistency import run_clean, verify_after_restart

SEED = 26  # its five cycles kill while busy, while idle and during a start-up


def test_sigkill_during_ingest_on_mongodb_keeps_acknowledged_and_batches_whole(
    tmp_path: Path, fresh_mongo_url: str
) -> None:
    store_url = fresh_mongo_url
    ledger = Ledger()
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
    run_clean(config, ledger)

    # The checks have teeth: an acknowledged statement removed behind the LRS's back is lost.
    victim = next(batch for batch in ledger.batches if batch.ids is not None).ids
    assert victim is not None
    client: MongoClient[dict[str, object]] = MongoClient(store_url)
    try:
        client.get_default_database()["statements"].delete_one({"id": victim[0]})
    finally:
        client.close()
    findings = verify_after_restart(store_url, tmp_path, ledger)
    assert findings.lost == 1

"""`make demo` against a real served LRS: estimates beside the truth it planted, the same on
every store of STORE_KINDS (issue 16: the outcome x KPI table on MongoDB as on SQLite)."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import httpx

from tests.conftest import STORE_KINDS
from tests.mongo_support import drop_database, fresh_database_url
from tests.server.served import load_demo, running_lrs

KEY, SECRET = "demo", "demo-secret-123456"


def _demo(tmp_path: Path, store: str) -> str:
    """The demo's output against an LRS on `store`, less the line naming its address."""
    data = tmp_path / store
    data.mkdir()
    url = fresh_database_url() if store == "mongodb" else f"sqlite:///{data / 'lrs.sqlite3'}"
    try:
        out = _run_demo(data, url)
    finally:
        if store == "mongodb":
            asyncio.run(drop_database(url))
    return "\n".join(line for line in out.splitlines() if "exports for BI tools" not in line)


def test_the_demo_prints_estimates_beside_the_planted_truth(tmp_path: Path) -> None:
    outputs = {store: _demo(tmp_path, store) for store in STORE_KINDS}
    for out in outputs.values():
        _check_estimates(out)
    assert len(set(outputs.values())) == 1, outputs  # the same attainments, table and estimates


def _run_demo(data: Path, store_url: str) -> str:
    with running_lrs(data, KEY, SECRET, LRS_STORE_URL=store_url) as base:
        stdout = load_demo(base, KEY, SECRET)
        table = httpx.get(f"{base}/exports/outcome-kpis.csv", auth=(KEY, SECRET), timeout=60)
        rates = httpx.get(f"{base}/exports/rates.csv", auth=(KEY, SECRET), timeout=60)
    assert table.status_code == rates.status_code == 200
    assert table.text.count("\n") > 1  # a header and rows of attainments per unit and period
    return f"{stdout}\n{table.text}\n{rates.text}"


def _check_estimates(stdout: str) -> None:
    rows = {
        match[0]: [float(value) for value in match[1:]]
        for match in re.findall(
            r"^(\S+) +([+-][\d.]+) +([+-][\d.]+) +([+-][\d.]+) \.\. ([+-][\d.]+)",
            stdout,
            re.MULTILINE,
        )
    }
    truth, _, low, high = rows["revenue-per-rep"]
    assert low <= truth <= high
    assert low > 0
    placebo, _, low, high = rows["office-coffee"]
    assert placebo == 0
    assert low <= 0 <= high
    assert "left out: Sales Pilot: fewer than 5 people" in stdout
    assert "not proof that the programme caused it" in stdout

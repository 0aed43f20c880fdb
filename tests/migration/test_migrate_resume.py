"""A copy killed with SIGKILL mid-way continues with `--resume`: nothing twice, order kept."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import time
from pathlib import Path

import orjson

from service.model.statements import StatementQuery, StatementWrite
from service.store.mongo import MongoOptions, MongoStore
from service.store.ports import Store
from service.store.sqlite import SQLiteStore
from tests.builders import statement
from tests.server.served import ROOT
from tests.store.statement_support import prep

COUNT = 300


async def _ascending(store: Store) -> list[tuple[str, str]]:
    page = await store.statements.query_statements(
        "default", StatementQuery(ascending=True, limit=COUNT + 10)
    )
    bodies = [orjson.loads(body) for body in page.bodies]
    return [(b["id"], b["stored"]) for b in bodies]


async def _fill_source(path: Path) -> list[tuple[str, str]]:
    source = SQLiteStore(path)
    await source.open()
    try:
        for _ in range(COUNT // 50):
            batch = [prep(statement()) for _ in range(50)]
            await source.statements.store_statements(StatementWrite("default", batch, []))
        return await _ascending(source)
    finally:
        await source.close()


async def _target_order(url: str) -> list[tuple[str, str]]:
    target = MongoStore(MongoOptions(url=url))
    await target.open()
    try:
        return await _ascending(target)
    finally:
        await target.close()


def test_a_killed_copy_resumes_without_duplicates(tmp_path: Path, fresh_mongo_url: str) -> None:
    mongo_url = fresh_mongo_url
    expected = asyncio.run(_fill_source(tmp_path / "source.sqlite3"))
    command = [sys.executable, "-m", "service", "migrate", "--from"]
    command += [f"sqlite:///{tmp_path / 'source.sqlite3'}", "--to", mongo_url, "--chunk", "1"]
    with subprocess.Popen(command, stderr=subprocess.PIPE, text=True, cwd=ROOT) as copying:
        assert copying.stderr is not None
        for line in copying.stderr:
            if line.startswith("statements:"):
                break
        time.sleep(0.3)
        copying.send_signal(signal.SIGKILL)
        copying.wait(timeout=30)
    partial = asyncio.run(_target_order(mongo_url))
    assert 0 < len(partial) < COUNT, "the kill landed mid-copy"
    assert partial == expected[: len(partial)]
    refused = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, check=False)
    assert refused.returncode == 2
    resumed = subprocess.run(
        [*command, "--resume"], capture_output=True, text=True, cwd=ROOT, check=False
    )
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert "verified" in resumed.stdout
    assert asyncio.run(_target_order(mongo_url)) == expected

"""A huge export streams in bounded memory (issue 19): the server's resident memory after
sending 30,000 statements is within 64 MiB of what it was after sending 3,000, for NDJSON,
gzipped CSV and Parquet; a feed pull holds at most its `limit` rows."""

from __future__ import annotations

from pathlib import Path

import httpx

from loadtests.preload import preload
from loadtests.saturate import rss_bytes
from tests.conftest import BASIC, KEY, SECRET
from tests.server.served import served_process

MiB = 1024 * 1024
STATEMENTS = 30_000
QUIET = {"LRS_LOG_LEVEL": "warning", "LRS_ACCESS_LOG": "false"}


def _stream(base: str, pid: int, path: str, encoding: str) -> tuple[int, int]:
    """Bytes received and the server's peak resident memory while it sent them."""
    received, peak = 0, rss_bytes(pid)
    headers = {"Authorization": BASIC, "Accept-Encoding": encoding}
    with httpx.stream("GET", base + path, headers=headers, timeout=300) as answer:
        assert answer.status_code == 200, answer.read()
        for number, chunk in enumerate(answer.iter_raw()):
            received += len(chunk)
            if number % 8 == 0:
                peak = max(peak, rss_bytes(pid))
    return received, peak


def test_a_huge_export_streams_in_bounded_memory(tmp_path: Path) -> None:
    preload(f"sqlite:///{tmp_path / 'lrs.sqlite3'}", STATEMENTS, progress=False)
    with served_process(tmp_path, KEY, SECRET, **QUIET) as (base, process):
        idle = rss_bytes(process.pid)
        for path, encoding in (
            ("/exports/statements.ndjson", "identity"),
            ("/exports/statements.csv", "gzip"),
            ("/exports/statements.parquet", "identity"),
        ):
            small, after_small = _stream(base, process.pid, f"{path}?limit=3000", encoding)
            large, after_large = _stream(base, process.pid, path, encoding)
            assert large > 8 * small, path
            grown = (after_large - after_small) / MiB
            # generous: buffering the answer would grow by several times the 35 MB more sent
            assert grown < 64, f"{path}: {grown:.0f} MiB more for 10x the rows"
        sent, peak = _stream(base, process.pid, "/exports/feed.ndjson?limit=5000", "identity")
        assert sent > 10 * MiB
        assert peak - idle < 250 * MiB, f"a feed pull of 5000 rows grew {(peak - idle) / MiB} MiB"

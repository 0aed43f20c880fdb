"""Sizes of a day's statements per export format, and the rate of a full feed pull.

    .venv/bin/python -m loadtests.export_sizes --statements 20000
    .venv/bin/python -m loadtests.export_sizes --statements 1000000 --feed-only

Preloads generated statements (`loadtests.generator`: 0.8-2 KB each, four LMS platforms) into
a fresh SQLite store, serves it with `python -m service serve`, downloads
/exports/statements.{csv,ndjson,parquet} (CSV and NDJSON also gzipped in transfer), then pulls
the whole change feed in pages of 5000 (gzip) and reports rows per second and megabytes.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import httpx

from loadtests.preloaded_server import preloaded_server
from loadtests.server import AUTH

MB = 1_000_000


def _download(base: str, path: str, encoding: str) -> tuple[int, float]:
    """Bytes on the wire and seconds for one export."""
    started, size = time.perf_counter(), 0
    headers = {"Authorization": AUTH, "Accept-Encoding": encoding}
    with httpx.stream("GET", base + path, headers=headers, timeout=3600) as answer:
        answer.raise_for_status()
        for chunk in answer.iter_raw():
            size += len(chunk)
    return size, time.perf_counter() - started


def _pull_feed(base: str) -> tuple[int, int, int, float]:
    """Rows, bytes on the wire, decoded bytes and seconds of a full pull from the beginning."""
    rows = wire = decoded = 0
    cursor = ""
    started = time.perf_counter()
    with httpx.Client(base_url=base, headers={"Authorization": AUTH}, timeout=600) as client:
        while True:
            answer = client.get("/exports/feed.ndjson", params={"limit": "5000", "cursor": cursor})
            answer.raise_for_status()
            wire += answer.num_bytes_downloaded
            decoded += len(answer.content)
            page = answer.content.count(b"\n")
            if page == 0:
                return rows, wire, decoded, time.perf_counter() - started
            rows += page
            cursor = answer.headers["X-Next-Cursor"]


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--statements", type=int, default=20_000)
    parser.add_argument("--feed-only", action="store_true", help="skip the export downloads")
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory() as scratch,
        preloaded_server(Path(scratch), args.statements) as server,
    ):
        print("| Export | Transfer | Bytes | MB | Seconds |")
        print("|---|---|---:|---:|---:|")
        formats = (
            ("csv", "identity"),
            ("csv", "gzip"),
            ("ndjson", "identity"),
            ("ndjson", "gzip"),
            ("parquet", "identity"),
        )
        for fmt, encoding in () if args.feed_only else formats:
            size, seconds = _download(server.base, f"/exports/statements.{fmt}", encoding)
            row = f"| statements.{fmt} | {encoding} | {size} | {size / MB:.1f} |"
            print(f"{row} {seconds:.1f} |", flush=True)
        rows, wire, decoded, seconds = _pull_feed(server.base)
        print(
            f"feed: {rows} rows in {seconds:.1f} s = {rows / seconds:.0f} rows/s; "
            f"{wire / MB:.1f} MB gzipped on the wire, {decoded / MB:.1f} MB of NDJSON"
        )


if __name__ == "__main__":
    main()

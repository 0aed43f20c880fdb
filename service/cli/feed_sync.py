"""`python -m service feed-sync --url URL --to duckdb:FILE` (or `--to DIR`): the reference
warehouse loader. It pulls the change feed from the cursor saved in the target, page by page,
and stores each page together with the cursor after it, so a crash never skips or repeats a
row; run it from cron. A starting point to copy: it speaks only HTTP to the LRS.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections import Counter
from typing import Any

import httpx
import pyarrow as pa
import pyarrow.parquet as pq

from service.cli.feed_targets import Target, open_target

KINDS = ("statement", "void", "erasure", "attainment", "attainment_retracted")


def register(commands: Any) -> None:
    sync = commands.add_parser(
        "feed-sync",
        help="load the change feed into DuckDB or a directory of Parquet files",
        description="Pull /exports/feed.parquet from the saved cursor until nothing is left. "
        "--url, --key and --secret fall back to LRS_FEED_URL, LRS_FEED_KEY and "
        "LRS_FEED_SECRET.",
    )
    sync.add_argument("--url", default=os.environ.get("LRS_FEED_URL"), help="the LRS base URL")
    sync.add_argument("--key", default=os.environ.get("LRS_FEED_KEY"), help="scope `export`")
    sync.add_argument("--secret", default=os.environ.get("LRS_FEED_SECRET"))
    sync.add_argument("--to", required=True, help="duckdb:FILE, or a directory for Parquet files")
    sync.add_argument("--limit", type=int, default=5000, help="rows per pull (1 to 5000)")
    sync.set_defaults(run=run_and_exit)


def run_and_exit(args: argparse.Namespace) -> int:
    """`run`, then leave without the interpreter's teardown. Everything is committed and closed
    by then; the teardown itself could abort the process ("terminate called without an active
    exception", exit -6) once in a while as DuckDB's and Arrow's native thread pools are torn
    down in no set order, so a cron job would see a failure after a complete load."""
    code = run(args)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def run(args: argparse.Namespace) -> int:
    missing = [name for name in ("url", "key", "secret") if not getattr(args, name)]
    if missing:
        print(f"error: missing --{', --'.join(missing)} (or LRS_FEED_*)", file=sys.stderr)
        return 2
    counts: Counter[str] = Counter()
    with (
        open_target(args.to) as target,
        httpx.Client(base_url=args.url, auth=(args.key, args.secret), timeout=120) as lrs,
    ):
        try:
            sync(lrs, target, args.limit, counts)
        except (httpx.HTTPError, FeedError) as error:
            report(counts, target.cursor())
            print(f"error: {error}; the next run resumes from the cursor above", file=sys.stderr)
            return 1
        report(counts, target.cursor())
    return 0


class FeedError(Exception):
    """The LRS refused a pull."""


def sync(lrs: httpx.Client, target: Target, limit: int, counts: Counter[str]) -> None:
    """Pull and store pages until one comes back empty; `counts` gets the rows per kind."""
    while True:
        cursor = target.cursor()
        answer = lrs.get("/exports/feed.parquet", params={"cursor": cursor, "limit": limit})
        if answer.status_code != 200:
            raise FeedError(f"GET {answer.url.path}: {answer.status_code} {answer.text[:200]}")
        page = pq.read_table(pa.BufferReader(answer.content))
        if page.num_rows == 0:
            return
        target.store(page, cursor, answer.headers["X-Next-Cursor"])
        counts.update(str(kind) for kind in page.column("kind").to_pylist())


def report(counts: Counter[str], cursor: str) -> None:
    print(", ".join(f"{kind} {counts[kind]}" for kind in KINDS) + f"; cursor {cursor or '-'}")

"""The rate of `python -m service feed-sync` loading a whole store, into DuckDB and into a
directory of Parquet files.

    .venv/bin/python -m loadtests.feed_sync_rate --statements 100000

Preloads generated statements (`loadtests.generator`) into a fresh SQLite store, serves it with
`python -m service serve`, runs the loader once per target and prints its output, rows per
second (server and loader together) and the size of what it wrote.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from loadtests.preloaded_server import preloaded_server
from loadtests.server import KEY, SECRET

MB = 1_000_000


def _size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(part.stat().st_size for part in path.rglob("*.parquet"))


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--statements", type=int, default=100_000)
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory() as scratch,
        preloaded_server(Path(scratch), args.statements) as server,
    ):
        directory = Path(scratch)
        env = {**os.environ, "LRS_FEED_URL": server.base}
        env.update(LRS_FEED_KEY=KEY, LRS_FEED_SECRET=SECRET)
        for target in (directory / "warehouse.duckdb", directory / "feed"):
            to = f"duckdb:{target}" if target.suffix == ".duckdb" else str(target)
            started = time.perf_counter()
            done = subprocess.run(
                [sys.executable, "-m", "service", "feed-sync", "--to", to],
                env=env, capture_output=True, text=True, check=True,
            )  # fmt: skip
            seconds = time.perf_counter() - started
            print(
                f"--to {to.split(':')[0] if ':' in to else 'DIR'}: {done.stdout.strip()}\n"
                f"  {seconds:.1f} s = {args.statements / seconds:.0f} statements/s, "
                f"{_size(target) / MB:.1f} MB written"
            )


if __name__ == "__main__":
    main()

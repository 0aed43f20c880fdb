"""Where `feed-sync` stores pages: a DuckDB file or a directory of Parquet files. Each keeps
the feed cursor beside the rows, written together, so the next run starts where this one
stopped."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Protocol

import pyarrow as pa


class Target(Protocol):
    def cursor(self) -> str:
        """The cursor after the last stored page ("" before the first)."""
        ...

    def store(self, page: pa.Table, cursor: str, next_cursor: str) -> None:
        """Store the page pulled from `cursor`, and `next_cursor` with it, all or nothing."""
        ...


@contextmanager
def open_target(to: str) -> Iterator[Target]:
    """`duckdb:FILE` or a directory."""
    if to.startswith("duckdb:"):
        try:
            from service.cli.feed_duckdb import DuckDbTarget
        except ModuleNotFoundError as missing:
            raise SystemExit(f"error: {missing}; install the `warehouse` extra") from None

        target = DuckDbTarget(Path(to.removeprefix("duckdb:")))
        try:
            yield target
        finally:
            target.close()
    else:
        from service.cli.feed_parquet_dir import ParquetDirTarget

        yield ParquetDirTarget(Path(to))

"""`feed-sync --to DIR`: one Parquet file per pull and row kind, DIR/KIND/CURSOR.parquet, named
by the cursor the pull started from, and DIR/feed.cursor. A run that died after writing a
page's files but before saving the cursor pulls that page again and overwrites the same files,
so no row is kept twice; file names sort in commit order.

An `attainment_deleted` erasure (an erased learner) is applied to the files already written:
the attainment rows with its `change_id` are dropped from them, so the directory keeps nothing
of the person but that number."""

from __future__ import annotations

import os
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

ATTAINMENT_KINDS = ("attainment", "attainment_retracted")
START = "0"  # the file name of the first pull: sorts before every cursor


class ParquetDirTarget:
    def __init__(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.directory = directory
        self.cursor_file = directory / "feed.cursor"

    def cursor(self) -> str:
        return self.cursor_file.read_text().strip() if self.cursor_file.exists() else ""

    def store(self, page: pa.Table, cursor: str, next_cursor: str) -> None:
        name = f"{cursor or START}.parquet"
        for stale in self.directory.glob(f"*/{name}"):
            stale.unlink()  # left by a run that died before saving its cursor
        kinds = [str(kind) for kind in pc.unique(page.column("kind")).to_pylist()]
        for kind in kinds:
            path = self.directory / kind / name
            path.parent.mkdir(exist_ok=True)
            pq.write_table(page.filter(pc.field("kind") == kind), _partial(path))
            _settle(path)
        self._drop_erased(page)
        _partial(self.cursor_file).write_text(next_cursor + "\n")
        _settle(self.cursor_file)

    def _drop_erased(self, page: pa.Table) -> None:
        """Rewrite the attainment files that hold a change this page's erasures name."""
        erased = page.filter(pc.field("erasure_action") == "attainment_deleted")
        if erased.num_rows == 0:
            return
        ids = erased.column("change_id")
        for kind in ATTAINMENT_KINDS:
            for path in sorted(self.directory.glob(f"{kind}/*.parquet")):
                table = pq.read_table(path)
                if "change_id" not in table.column_names:
                    continue  # written before the feed named changes: reload to drop them
                kept = table.filter(pc.invert(pc.is_in(table.column("change_id"), value_set=ids)))
                if kept.num_rows < table.num_rows:
                    pq.write_table(kept, _partial(path))
                    _settle(path)


def _partial(path: Path) -> Path:
    return path.with_name(path.name + ".partial")


def _settle(path: Path) -> None:
    """Flush the partial file of `path` to disk, then rename it over `path`."""
    with _partial(path).open("rb") as written:
        os.fsync(written.fileno())
    os.replace(_partial(path), path)

"""`backup` and `restore` for a MongoDB store: the whole LRS to an SQLite file and back.

A backup is a copy (see `runner`) into an SQLite file written beside PATH and renamed into
place only once verified. Statements are those committed when the copy reached each tenant;
other records are read as they are at that moment, so a verification that finds a record
changed meanwhile fails the backup instead of keeping an inconsistent one. A restore copies
such a file into an empty MongoDB database.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import IO

from service.store.migration.endpoints import open_source, open_target
from service.store.migration.runner import MigrationError, Result, migrate


def _siblings(path: Path) -> list[Path]:
    return [path, *(path.with_name(path.name + suffix) for suffix in ("-wal", "-shm"))]


def _prepare(path: Path, force: bool) -> Path:
    """Check where the backup goes; the partial file it is written to first, cleared."""
    if path.is_dir():
        raise MigrationError(f"{path} is a directory; name the backup file")
    if not path.parent.is_dir():
        raise MigrationError(f"the folder {path.parent} does not exist")
    if path.exists() and not force:
        raise MigrationError(f"{path} exists; add --force to replace it")
    partial = path.with_name(path.name + ".partial")
    for leftover in [*_siblings(partial), partial.with_name(partial.name + "-writelock")]:
        leftover.unlink(missing_ok=True)
    return partial


def _place(partial: Path, path: Path) -> None:
    for old in _siblings(path):
        old.unlink(missing_ok=True)
    partial.replace(path)
    partial.with_name(partial.name + "-writelock").unlink(missing_ok=True)


async def backup_mongo(url: str, path: Path, *, force: bool, stream: IO[str] | None) -> Result:
    """Copy the MongoDB LRS at `url` into the SQLite file `path`, verified."""
    partial = await asyncio.to_thread(_prepare, path, force)
    async with open_source(url) as source, open_target(f"sqlite:///{partial}") as target:
        result = await migrate(source, target, stream=stream)
    if result.problems:
        raise MigrationError(
            "the store changed during the backup, the copy differs: "
            + "; ".join(result.problems[:3])
            + f" (left in {partial}); run it again, or while nothing writes"
        )
    await asyncio.to_thread(_place, partial, path)
    return result


async def restore_mongo(path: Path, url: str, *, stream: IO[str] | None) -> Result:
    """Copy the backup file `path` into the empty MongoDB database at `url`, verified."""
    if not await asyncio.to_thread(path.is_file):
        raise MigrationError(f"no backup file at {path}")
    async with open_source(f"sqlite:///{path}") as source, open_target(url) as target:
        result = await migrate(source, target, stream=stream)
    if result.problems:
        raise MigrationError("the restored copy differs: " + "; ".join(result.problems[:3]))
    return result

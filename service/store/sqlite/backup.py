"""Online backup and verified restore of the embedded SQLite store.

The backup copies page steps from one read snapshot (an open read transaction), so it is
consistent while the service keeps writing, and it is renamed into place only when complete.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Callable
from pathlib import Path

from service.store.sqlite.schema import SCHEMA_VERSION

Progress = Callable[[int, int], None]
PAGES_PER_STEP = 1024


class BackupError(Exception):
    """A backup or restore was refused or failed; the message is for the operator."""


def _read_only(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, isolation_level=None)


def _same_file(a: Path, b: Path) -> bool:
    resolved = b.resolve()
    return a.resolve() in {resolved, Path(f"{resolved}-wal"), Path(f"{resolved}-shm")}


def _check_target(target: Path, *, live: Path, force: bool) -> None:
    """Refuse a target that is odd (a directory, a missing folder) or would lose data."""
    if not str(target).strip() or "\x00" in str(target):
        raise BackupError("the backup path is empty or malformed")
    if target.is_dir():
        raise BackupError(f"{target} is a directory; name a file")
    if not target.parent.is_dir():
        raise BackupError(f"the folder {target.parent} does not exist")
    if _same_file(target, live):
        raise BackupError(f"{target} is the live store itself")
    if target.exists() and not target.is_file():
        raise BackupError(f"{target} is not a regular file")
    if target.exists() and not force:
        raise BackupError(f"{target} exists; pass --force to replace it")


def _copy(
    source: sqlite3.Connection, target: sqlite3.Connection, progress: Progress | None
) -> None:
    def report(status: int, remaining: int, total: int) -> None:
        if progress is not None:
            progress(total - remaining, total)

    source.backup(target, pages=PAGES_PER_STEP, progress=report)


def verify(path: Path) -> None:
    """Raise BackupError unless `path` is an intact store of a schema this version can open."""
    if not path.is_file():
        raise BackupError(f"{path} is not a file")
    try:
        conn = _read_only(path)
        try:
            problems = [row[0] for row in conn.execute("PRAGMA integrity_check").fetchall()]
            row = conn.execute("SELECT value FROM meta WHERE name = 'schema_version'").fetchone()
        finally:
            conn.close()
    except sqlite3.Error as exc:
        raise BackupError(f"{path} is not a readable LRS store: {exc}") from exc
    if problems != ["ok"]:
        raise BackupError(f"{path} fails the integrity check: {'; '.join(problems[:3])}")
    if row is None or int(row[0]) > SCHEMA_VERSION:
        raise BackupError(f"{path} is not a store this version can open")


def backup(
    live: Path, target: Path, *, force: bool = False, progress: Progress | None = None
) -> None:
    """Copy the live store to `target` (works while the service runs), then verify the copy."""
    if not live.is_file():
        raise BackupError(f"there is no store at {live}")
    _check_target(target, live=live, force=force)
    partial = target.with_name(f".{target.name}.partial-{os.getpid()}")
    try:
        source = _read_only(live)
        try:
            source.execute("BEGIN")  # one snapshot for every step: no restarts under writes
            source.execute("SELECT count(*) FROM sqlite_master").fetchone()
            copy = sqlite3.connect(partial, isolation_level=None)
            try:
                _copy(source, copy, progress)
                copy.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
            finally:
                copy.close()
        finally:
            source.close()
        verify(partial)
        os.replace(partial, target)
    except sqlite3.Error as exc:
        raise BackupError(f"the backup failed: {exc}") from exc
    finally:
        with contextlib.suppress(FileNotFoundError):
            partial.unlink()


def _claim(live: Path) -> sqlite3.Connection:
    """A connection to the target that proves no other process has the store open."""
    conn = sqlite3.connect(live, timeout=0, isolation_level=None)
    try:
        mode = conn.execute("PRAGMA journal_mode = DELETE").fetchone()[0]
    except sqlite3.OperationalError:
        mode = None
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise BackupError(f"{live} is not an SQLite store: {exc}") from exc
    if mode != "delete":
        conn.close()
        raise BackupError(f"the store {live} is in use; stop the service first")
    return conn


def restore(
    source: Path, live: Path, *, force: bool = False, progress: Progress | None = None
) -> None:
    """Replace the store with a verified backup; refused while the store is in use."""
    verify(source)
    if _same_file(source, live):
        raise BackupError(f"{source} is the live store itself")
    if live.exists() and not force:
        raise BackupError(f"{live} exists; pass --force to replace it")
    if not live.parent.is_dir():
        raise BackupError(f"the folder {live.parent} does not exist")
    try:
        target = _claim(live)
        try:
            backup_conn = _read_only(source)
            try:
                _copy(backup_conn, target, progress)
            finally:
                backup_conn.close()
        finally:
            target.close()
    except sqlite3.Error as exc:
        raise BackupError(f"the restore failed: {exc}") from exc

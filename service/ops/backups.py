"""Backup pruning: keep the newest backups by count, drop the rest (or those past an age)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

SQLITE_HEADER = b"SQLite format 3\x00"


@dataclass(frozen=True, slots=True)
class PrunePlan:
    kept: list[Path]
    removed: list[Path]


def is_backup(path: Path) -> bool:
    """A regular file that starts like an SQLite database (other files are never touched)."""
    try:
        with path.open("rb") as handle:
            return path.is_file() and handle.read(len(SQLITE_HEADER)) == SQLITE_HEADER
    except OSError:
        return False


def plan_prune(
    directory: Path,
    pattern: str,
    *,
    keep: int,
    max_age_seconds: int | None,
    now: float | None = None,
) -> PrunePlan:
    """The newest `keep` backups matching `pattern` stay; of the others, those older than
    `max_age_seconds` go (all of them when no age is given). Newest first by modification time."""
    moment = time.time() if now is None else now
    found = [path for path in directory.glob(pattern) if is_backup(path)]
    found.sort(key=lambda path: path.stat().st_mtime, reverse=True)
    kept, removed = found[:keep], list[Path]()
    for path in found[keep:]:
        old = max_age_seconds is None or moment - path.stat().st_mtime > max_age_seconds
        (removed if old else kept).append(path)
    return PrunePlan(kept=kept, removed=removed)


def prune(plan: PrunePlan) -> None:
    for path in plan.removed:
        path.unlink(missing_ok=True)

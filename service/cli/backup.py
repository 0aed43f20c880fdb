"""`python -m service backup PATH` / `restore PATH`: the configured store, with progress.

SQLite: SQLite's online backup of the file. MongoDB: the whole LRS copied into an SQLite file
and back (see `service.store.migration.backup`)."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import IO, Any

from service.model.durations import parse_duration
from service.model.errors import BadRequestError, StoreError
from service.ops.backups import plan_prune, prune
from service.settings import Settings
from service.store.migration.backup import backup_mongo, restore_mongo
from service.store.migration.runner import MigrationError
from service.store.sqlite.backup import BackupError, backup, restore
from service.store.sqlite.schema import sqlite_path


class ProgressBar:
    """A one-line bar on stderr: `label [#####.....]  50%  512/1024 pages`."""

    def __init__(self, label: str, stream: IO[str] | None = None, width: int = 30) -> None:
        self.label, self.stream, self.width = label, stream or sys.stderr, width
        self.drawn = False

    def __call__(self, done: int, total: int) -> None:
        filled = self.width * done // total if total else self.width
        percent = 100 * done // total if total else 100
        bar = "#" * filled + "." * (self.width - filled)
        self.stream.write(f"\r{self.label} [{bar}] {percent:3d}%  {done}/{total} pages")
        self.stream.flush()
        self.drawn = True

    def finish(self) -> None:
        if self.drawn:
            self.stream.write("\n")
            self.stream.flush()


def register(commands: Any) -> None:
    save = commands.add_parser("backup", help="copy the store to the SQLite file PATH (online)")
    save.add_argument("path", type=Path, help="the backup file to write")
    save.add_argument("--force", action="store_true", help="replace an existing file")
    save.set_defaults(run=run_backup)
    pruning = commands.add_parser(
        "backup-prune", help="delete old backups in a directory, keeping the newest"
    )
    pruning.add_argument("directory", type=Path)
    pruning.add_argument("--keep", type=int, default=7, help="newest backups always kept (7)")
    pruning.add_argument(
        "--max-age",
        help="of the others, delete only those older than this: 30d, 12h (default: all)",
    )
    pruning.add_argument("--pattern", default="*.sqlite3", help="file names to consider")
    pruning.add_argument("--dry-run", action="store_true", help="say what would go, delete nothing")
    pruning.set_defaults(run=run_prune)
    load = commands.add_parser(
        "restore", help="replace the embedded store, or fill an empty MongoDB one, from a backup"
    )
    load.add_argument("path", type=Path, help="the backup file to restore")
    load.add_argument("--force", action="store_true", help="replace an existing store")
    load.set_defaults(run=run_restore)


def _live_path() -> Path:
    url = Settings().store_url
    if not url.startswith("sqlite:"):
        raise BackupError(f"backup and restore know no store at {url.split(':', 1)[0]!r}")
    try:
        return sqlite_path(url)
    except ValueError as exc:
        raise BackupError(str(exc)) from exc


def _run_mongo(action: str, url: str, args: argparse.Namespace) -> int:
    """MongoDB: the whole LRS to an SQLite file (backup) or from one into an empty database."""
    try:
        if action == "backup":
            asyncio.run(backup_mongo(url, args.path, force=args.force, stream=sys.stderr))
            done = f"backed up the MongoDB store to {args.path}"
        else:
            asyncio.run(restore_mongo(args.path, url, stream=sys.stderr))
            done = f"restored the MongoDB store from {args.path}"
    except (MigrationError, StoreError) as exc:
        print(f"{action} refused: {exc}", file=sys.stderr)
        return 1
    print(done, file=sys.stderr)
    return 0


def _run(action: str, args: argparse.Namespace) -> int:
    url = Settings().store_url
    if url.startswith(("mongodb://", "mongodb+srv://")):
        return _run_mongo(action, url, args)
    bar = ProgressBar(action)
    try:
        live = _live_path()
        if action == "backup":
            backup(live, args.path, force=args.force, progress=bar)
            done = f"backed up {live} to {args.path}"
        else:
            restore(args.path, live, force=args.force, progress=bar)
            done = f"restored {live} from {args.path}"
    except BackupError as exc:
        bar.finish()
        print(f"{action} refused: {exc}", file=sys.stderr)
        return 1
    bar.finish()
    print(done, file=sys.stderr)
    return 0


def run_backup(args: argparse.Namespace) -> int:
    return _run("backup", args)


def run_restore(args: argparse.Namespace) -> int:
    return _run("restore", args)


def run_prune(args: argparse.Namespace) -> int:
    """Only SQLite files matching the pattern are candidates; anything else stays."""
    if args.keep < 0:
        print("backup-prune refused: --keep must be 0 or more", file=sys.stderr)
        return 2
    try:
        max_age = (
            parse_duration(args.max_age, what="age", ceiling_seconds=100 * 365 * 86400)
            if args.max_age
            else None
        )
    except BadRequestError as exc:
        print(f"backup-prune refused: {exc}", file=sys.stderr)
        return 2
    if not args.directory.is_dir():
        print(f"backup-prune refused: {args.directory} is not a directory", file=sys.stderr)
        return 1
    plan = plan_prune(args.directory, args.pattern, keep=args.keep, max_age_seconds=max_age)
    if not args.dry_run:
        prune(plan)
    verb = "would delete" if args.dry_run else "deleted"
    for path in plan.removed:
        print(f"{verb} {path}")
    print(f"{len(plan.kept)} kept, {len(plan.removed)} {verb}", file=sys.stderr)
    return 0

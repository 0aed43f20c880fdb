"""What the admin commands share: a store opened from LRS_STORE_URL, errors, tables, JSON."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import orjson

from service.model.errors import BadRequestError, LRSError
from service.model.tenancy import EffectiveLimits, Limits
from service.settings import Settings
from service.store.factory import make_store
from service.store.ports import Store
from service.tenancy.admin.limits import LIMIT_FIELDS, limits_from_text
from service.xapi.timestamps import format_ms

LIMIT_FLAGS = {
    "rate_per_second": "--rate",
    "burst": "--burst",
    "max_batch_statements": "--max-batch",
    "max_body_bytes": "--max-body",
}


def run_admin(job: Callable[[Store], Awaitable[int]]) -> int:
    """Open the configured store, run the job, close; a service error is one line on stderr.

    Exit codes: 0 done, 1 refused (not found, conflict, forbidden), 2 bad input.
    """

    async def run() -> int:
        store = make_store(Settings())
        await store.open()
        try:
            return await job(store)
        finally:
            await store.close()

    try:
        return asyncio.run(run())
    except LRSError as error:
        print(f"error: {error.message}", file=sys.stderr)
        return 2 if isinstance(error, BadRequestError) else 1


def add_limit_flags(parser: argparse.ArgumentParser) -> None:
    for name, flag in LIMIT_FLAGS.items():
        parser.add_argument(flag, dest=name, metavar="N", help=f"{name}; 'default' to inherit")


def limit_flags(args: argparse.Namespace) -> dict[str, str | None]:
    return {name: getattr(args, name) for name in LIMIT_FIELDS}


def limits_given(args: argparse.Namespace) -> bool:
    return any(value is not None for value in limit_flags(args).values())


def parse_limit_flags(args: argparse.Namespace) -> Any:
    """The limit flags as a LimitsIn patch, or None when none was given."""
    return limits_from_text(limit_flags(args)) if limits_given(args) else None


def print_json(data: Any) -> None:
    print(orjson.dumps(data, option=orjson.OPT_INDENT_2).decode())


def print_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Left-aligned columns for people; `--json` is the form for scripts."""
    cells = [[_cell(value) for value in row] for row in rows]
    widths = [max([len(h), *(len(row[i]) for row in cells)]) for i, h in enumerate(headers)]
    for row in [list(headers), *cells]:
        line = "  ".join(value.ljust(width) for value, width in zip(row, widths, strict=True))
        print(line.rstrip())
    if not rows:
        print("(none)")


def limits_text(limits: Limits | EffectiveLimits) -> str:
    """Compact overrides, e.g. 'rate=50/s burst=100'; '-' when everything is inherited."""
    parts = []
    if limits.rate_per_second is not None:
        parts.append(f"rate={limits.rate_per_second:g}/s")
    if limits.burst is not None:
        parts.append(f"burst={limits.burst}")
    if limits.max_batch_statements is not None:
        parts.append(f"batch={limits.max_batch_statements}")
    if limits.max_body_bytes is not None:
        parts.append(f"body={limits.max_body_bytes}B")
    return " ".join(parts) or "-"


def when(ms: int | None) -> str:
    return format_ms(ms)[:19].replace("T", " ") if ms else "-"


def _cell(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if value is None:
        return "-"
    return str(value)

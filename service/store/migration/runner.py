"""Copy every kind of record from one Transfer to another, resumably, then verify both sides."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import IO

from service.store.migration.fingerprint import Fingerprint, differences
from service.store.migration.progress import Progress
from service.store.ports.transfer import KINDS, OUTCOME_KINDS, Transfer

COPIED_KINDS = KINDS + OUTCOME_KINDS  # outcome state after the statements it refers to


class MigrationError(Exception):
    """The copy cannot start or go on; the message says why and what to do."""


@dataclass
class Result:
    """What was copied, and what the verification found (empty `problems`: identical)."""

    copied: dict[str, int] = field(default_factory=dict)
    source: Fingerprint = field(default_factory=Fingerprint)
    target: Fingerprint = field(default_factory=Fingerprint)
    problems: list[str] = field(default_factory=list)
    left_behind: dict[str, int] = field(default_factory=dict)


async def holds_data(target: Transfer) -> bool:
    """Whether the target has any record but its own `default` tenant, or an earlier copy."""
    if await target.read_marks():
        return True
    for kind in COPIED_KINDS:
        async for _tenant, record_id in target.identities(kind):
            if not (kind == "tenants" and record_id == "default"):
                return True
    return False


async def migrate(
    source: Transfer,
    target: Transfer,
    *,
    resume: bool = False,
    without_outcomes: bool = False,
    chunk: int = 2000,
    stream: IO[str] | None = None,
) -> Result:
    """Copy everything in dependency order, each kind in its export order, then verify."""
    result = Result()
    result.left_behind = await source.uncopied()
    if result.left_behind and not without_outcomes:
        tables = ", ".join(f"{name} ({count})" for name, count in result.left_behind.items())
        raise MigrationError(
            f"the source holds outcome data this release cannot copy yet: {tables}; "
            "nothing was copied. Run again with --without-outcomes to copy everything else "
            "and leave the outcome data behind"
        )
    if not resume and await holds_data(target):
        raise MigrationError(
            "the target already holds data; give an empty target, or --resume to continue an "
            "interrupted copy into it"
        )
    progress = Progress(stream)
    for kind in COPIED_KINDS:
        await result.source.take(kind, source.identities(kind))
    marks = await target.read_marks()
    for kind in COPIED_KINDS:
        cursor = marks.get(kind)
        copied = 0
        progress.start(kind, result.source.total(kind))
        while True:
            records, cursor = await source.export_records(kind, cursor, chunk)
            if not records:
                break
            copied += await target.import_records(kind, records)
            await target.write_mark(kind, cursor)
            progress.advance(len(records))
        progress.finish()
        result.copied[kind] = copied
    for kind in COPIED_KINDS:
        await result.target.take(kind, target.identities(kind))
    result.problems = differences(result.source, result.target)
    return result

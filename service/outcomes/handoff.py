"""Statements a request has just stored, held by `seq` so evaluation need not read them back.

Only a fast path: the store still says which statements follow the cursor (and which are
voided), and hands over the body of any statement not held here. Bounded: past `limit`
statements new ones are not held, and evaluation reads them from the store as before.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from service.model.outcomes import SeqStatement
from service.model.statements import NewStatement
from service.outcomes.step import parse_body


class Handoff:
    """Prepared statements by sequence number, as the store inserted them."""

    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._held: dict[int, dict[str, Any]] = {}

    def add(self, statements: Iterable[NewStatement]) -> None:
        """Hold the statements the store inserted (a duplicate has no `seq` and is skipped)."""
        for new in statements:
            if len(self._held) >= self._limit:
                return
            if new.seq is not None:
                self._held[new.seq] = new.statement

    def known(self) -> frozenset[int]:
        """The sequence numbers held, for the store to leave their bodies out."""
        return frozenset(self._held)

    def statement(self, item: SeqStatement) -> dict[str, Any]:
        """The statement of a page item: held, or parsed from the body the store read."""
        return self._held[item.seq] if item.body is None else parse_body(item)

    def forget_through(self, seq: int) -> None:
        """Drop what every map version has evaluated."""
        if any(held <= seq for held in self._held):
            self._held = {held: s for held, s in self._held.items() if held > seq}

    def clear(self) -> None:
        """Drop everything (another process evaluates these statements)."""
        self._held = {}

    def __len__(self) -> int:
        return len(self._held)

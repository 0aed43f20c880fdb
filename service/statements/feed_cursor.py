"""The change feed's cursor: where a reader is in the tenant's commit order.

A cursor is three positions, one per source, each a low-water mark of that source's commit
order:

- `seq`: every statement with a sequence number at or below it has been shown (or will never
  be visible). It is the store's commit sequence, never a timestamp: on SQLite the largest
  `seq` a read transaction sees (writes are serialised and `seq` is assigned inside them); on
  MongoDB the low-water mark of the batch commit markers (`store/mongo/batches.low_water`):
  just below the first number of the oldest batch still pending, because a batch holding
  lower numbers may commit after one holding higher numbers, and a cursor that passed its
  numbers would skip it for good;
- `part`: 0 when the statement at `seq` was shown but not yet its void row, else 1;
- `tombstone` and `attainment`: the last tombstone and attainment change shown; both sources
  number their records in commit order and never show a number before the smaller ones.

Encoded as fixed-width hexadecimal, so cursors also compare as text: each row's cursor is
greater than the one before it, and a pull from a cursor shows exactly what was committed
after it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from service.model.errors import BadRequestError

_WIDTHS = (16, 1, 12, 12)
MAX_SEQ = 2**63 - 1  # the stores' sequence numbers are signed 64-bit integers
_PATTERN = re.compile(f"[0-9a-f]{{{sum(_WIDTHS)}}}")


@dataclass(frozen=True, slots=True)
class FeedCursor:
    """A position in the feed (see the module docstring)."""

    seq: int = 0
    part: int = 1
    tombstone: int = 0
    attainment: int = 0

    def encode(self) -> str:
        return f"{self.seq:016x}{self.part:01x}{self.tombstone:012x}{self.attainment:012x}"

    @classmethod
    def parse(cls, text: str | None) -> FeedCursor:
        """The cursor a client sent; absent or empty: the beginning."""
        if not text:
            return cls()
        if _PATTERN.fullmatch(text) is None:
            raise BadRequestError("cursor: not a cursor this feed handed out")
        values, start = [], 0
        for width in _WIDTHS:
            values.append(int(text[start : start + width], 16))
            start += width
        if values[1] > 1 or values[0] > MAX_SEQ:
            raise BadRequestError("cursor: not a cursor this feed handed out")
        return cls(*values)

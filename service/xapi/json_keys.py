"""Duplicate member names in a JSON object, found without a second parser (V-1).

orjson keeps the last of duplicate names; another parser may keep the first and so see a
different statement. Each object member has exactly one `:` outside strings, and nothing else
in JSON does, so the body has duplicates exactly when it holds more such colons than the
parsed value, serialized again, still has.
"""

from __future__ import annotations

from typing import Any

import orjson

from service.model.errors import BadRequestError

_NOT_QUOTES_OR_COLONS = bytes(b for b in range(256) if b not in b'":')


def member_count(raw: bytes) -> int:
    """How many object members the valid JSON text `raw` spells out.

    Escapes are dropped first (`\\\\` pairs, then `\\"`), which leaves every `"` a string
    delimiter, so the text outside strings is every other piece between quotes. Only quotes
    and colons are kept before the split, so its pieces are mostly empty or one byte long,
    which Python does not allocate anew.
    """
    if b"\\" in raw:
        raw = raw.replace(b"\\\\", b"").replace(b'\\"', b"")
    return b"".join(raw.translate(None, _NOT_QUOTES_OR_COLONS).split(b'"')[0::2]).count(b":")


def has_duplicate_keys(raw: bytes, parsed: Any) -> bool:
    """True when `raw`, which parsed to `parsed`, named some member twice in one object.

    Compact bodies as orjson writes them (most clients' serializers come close) are settled
    by one comparison; any other body by counting members on both sides.
    """
    if b":" not in raw:
        return False
    again = orjson.dumps(parsed)
    if again == raw:
        return False  # a dropped duplicate would have made it shorter
    return member_count(raw) != member_count(again)


def check_duplicate_keys(raw: bytes, parsed: Any, what: str = "the body") -> None:
    """400 when an object in `raw` names a member twice (V-1: SHOULD reject)."""
    if has_duplicate_keys(raw, parsed):
        raise BadRequestError(f"{what} names a member twice in one JSON object")

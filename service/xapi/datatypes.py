"""HTTP-free checks and parsers for xAPI data types, e.g. for query parameters (V-9..V-17, T-13).

The grammar lives in `schemas.formats` so the pydantic types and these helpers share one source.
"""

from __future__ import annotations

import datetime

from schemas import formats

__all__ = [
    "format_timestamp",
    "is_duration",
    "is_iri",
    "is_language_tag",
    "is_mbox",
    "is_sha1_hex",
    "is_sha2_hex",
    "is_uuid",
    "normalize_timestamp",
    "parse_timestamp",
]


def is_iri(value: str) -> bool:
    """V-10: absolute IRI per RFC 3987 (scheme, ':', non-empty remainder, no whitespace)."""
    return formats.IRI_RE.fullmatch(value) is not None


def is_uuid(value: str) -> bool:
    """V-9: 8-4-4-4-12 hex UUID with version 1-8 and RFC 4122 variant, any case."""
    return formats.UUID_RE.fullmatch(value) is not None


def is_language_tag(value: str) -> bool:
    """V-11: RFC 5646 language tag (incl. grandfathered), no duplicate singletons/variants."""
    return formats.is_language_tag(value)


def parse_timestamp(value: str, version: str) -> datetime.datetime:
    """V-12: parse a timestamp for request `version` to aware UTC (µs, truncated); ValueError."""
    return formats.parse_timestamp(value, version)


def format_timestamp(dt: datetime.datetime) -> str:
    """SR-12/SR-14: UTC `YYYY-MM-DDTHH:MM:SS.sssZ`, milliseconds truncated (naive = UTC)."""
    utc = dt.replace(tzinfo=datetime.UTC) if dt.tzinfo is None else dt.astimezone(datetime.UTC)
    return (
        f"{utc.year:04d}-{utc.month:02d}-{utc.day:02d}T{utc.hour:02d}:{utc.minute:02d}:"
        f"{utc.second:02d}.{utc.microsecond // 1000:03d}Z"
    )


def normalize_timestamp(value: str, version: str) -> str:
    """V-12/SR-14: the canonical UTC millisecond form of a valid timestamp; ValueError.

    Plain UTC forms (most LMS traffic) are rewritten as text; others go through datetime.
    """
    utc = formats.UTC_TIMESTAMP_RE.fullmatch(value)
    if utc is not None:
        date, time, fraction = utc.groups()
        return f"{date}T{time}.{(fraction or '')[:3].ljust(3, '0')}Z"
    return format_timestamp(parse_timestamp(value, version))


def is_duration(value: str) -> bool:
    """V-13: ISO 8601 duration (PnYnMnDTnHnMnS or PnW), fraction only on the last component."""
    return formats.DURATION_RE.fullmatch(value) is not None


def is_mbox(value: str) -> bool:
    """V-14: `mailto:` IRI with one '@', a non-empty local part and a dotted domain."""
    return formats.MBOX_RE.fullmatch(value) is not None


def is_sha1_hex(value: str) -> bool:
    """V-15: 40 hex digits (mbox_sha1sum)."""
    return formats.SHA1_HEX_RE.fullmatch(value) is not None


def is_sha2_hex(value: str) -> bool:
    """V-17: hex SHA-2 digest of 56, 64, 96 or 128 digits."""
    return formats.SHA2_HEX_RE.fullmatch(value) is not None

"""xAPI version negotiation (T-1, T-2, T-3, X-1)."""

from __future__ import annotations

import re

V1_0_3 = "1.0.3"
V2_0_0 = "2.0.0"
ABOUT_VERSIONS = ("1.0.0", "1.0.1", "1.0.2", "1.0.3", "2.0.0")

_FAMILY_1 = re.compile(r"1\.0(\.\d+)?")
_FAMILY_2 = re.compile(r"2\.0(\.\d+)?")


def negotiate_version(header: str | None) -> str | None:
    """Return the version to answer with for a request header value, or None if unusable (T-1)."""
    if header is None:
        return None
    value = header.strip()
    if _FAMILY_1.fullmatch(value):
        return V1_0_3
    if _FAMILY_2.fullmatch(value):
        return V2_0_0
    return None


def is_v2(version: str) -> bool:
    """True for requests of the 2.0 family."""
    return version == V2_0_0

"""xAPI version negotiation (T-1, T-2, T-3, X-1)."""

from __future__ import annotations

import re

V1_0_3 = "1.0.3"
V2_0_0 = "2.0.0"
ABOUT_VERSIONS_1 = ("1.0.0", "1.0.1", "1.0.2", "1.0.3")
ABOUT_VERSIONS = (*ABOUT_VERSIONS_1, V2_0_0)

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


def about_versions(header: str | None) -> tuple[str, ...]:
    """The About `version` list for a request's version header (RS-9, T-4).

    A request that announces 1.0.x learns only the 1.0.x versions: clients written before 2.0
    (TinCanPython, TinCanJS) refuse an About object listing a version they do not know. Every
    other request, 2.0.x, none or unusable, gets every version the LRS supports.
    """
    if header is not None and negotiate_version(header) == V1_0_3:
        return ABOUT_VERSIONS_1
    return ABOUT_VERSIONS

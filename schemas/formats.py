"""xAPI data formats as regex sources (Rust- and Python-compatible) plus pure checks (V-9..V-17).

Every pattern here is unanchored and written in the common subset of Python `re` and the Rust
`regex` crate used by pydantic-core: no look-around, no back-references, ASCII classes only
(`[0-9]`, never `\\d`). Python callers use `fullmatch`; pydantic types anchor with `^(?:...)$`.
"""

import re
from datetime import UTC, datetime, timedelta, timezone


def _chars(ascii_chars: str, *ranges: tuple[int, int]) -> str:
    """Character-class body: escaped ASCII characters plus literal code-point ranges."""
    return re.escape(ascii_chars) + "".join(f"{chr(lo)}-{chr(hi)}" for lo, hi in ranges)


def _any_case(word: str) -> str:
    """Case-insensitive literal without the `(?i)` flag (which also folds e.g. the Kelvin sign)."""
    return "".join(f"[{c.lower()}{c.upper()}]" if c.isalpha() else re.escape(c) for c in word)


# --- IRI (RFC 3987), V-10 -------------------------------------------------------------------
_UCSCHAR = _chars(
    "",
    (0xA0, 0xD7FF),
    (0xF900, 0xFDCF),
    (0xFDF0, 0xFFEF),
    *((plane << 16, (plane << 16) | 0xFFFD) for plane in range(1, 14)),
    (0xE1000, 0xEFFFD),
)
_IPRIVATE = _chars("", (0xE000, 0xF8FF), (0xF0000, 0xFFFFD), (0x100000, 0x10FFFD))
_IUNRESERVED = "A-Za-z0-9" + _chars("-._~") + _UCSCHAR
_SUB_DELIMS = _chars("!$&'()*+,;=")
_PCT = "%[0-9A-Fa-f]{2}"
_IPCHAR = f"(?:[{_IUNRESERVED}{_SUB_DELIMS}:@]|{_PCT})"
_ISEGMENT = f"{_IPCHAR}*"
_ISEGMENT_NZ = f"{_IPCHAR}+"
_IQUERY = f"(?:[{_IUNRESERVED}{_SUB_DELIMS}:@/?{_IPRIVATE}]|{_PCT})*"
_IFRAGMENT = f"(?:[{_IUNRESERVED}{_SUB_DELIMS}:@/?]|{_PCT})*"
_IUSERINFO = f"(?:[{_IUNRESERVED}{_SUB_DELIMS}:]|{_PCT})*"
_IREG_NAME = f"(?:[{_IUNRESERVED}{_SUB_DELIMS}]|{_PCT})*"
_H16 = "[0-9A-Fa-f]{1,4}"
_DEC_OCTET = "(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])"
_IPV4 = rf"{_DEC_OCTET}(?:\.{_DEC_OCTET}){{3}}"
_LS32 = f"(?:{_H16}:{_H16}|{_IPV4})"
_IPV6 = "|".join(
    [
        f"(?:{_H16}:){{6}}{_LS32}",
        f"::(?:{_H16}:){{5}}{_LS32}",
        f"(?:{_H16})?::(?:{_H16}:){{4}}{_LS32}",
        *(f"(?:(?:{_H16}:){{0,{n}}}{_H16})?::(?:{_H16}:){{{4 - n}}}{_LS32}" for n in range(1, 4)),
        f"(?:(?:{_H16}:){{0,4}}{_H16})?::{_LS32}",
        f"(?:(?:{_H16}:){{0,5}}{_H16})?::{_H16}",
        f"(?:(?:{_H16}:){{0,6}}{_H16})?::",
    ]
)
_IP_LITERAL = rf"\[(?:{_IPV6}|[vV][0-9A-Fa-f]+\.[A-Za-z0-9{_chars('-._~')}{_SUB_DELIMS}:]+)\]"
_IAUTHORITY = f"(?:{_IUSERINFO}@)?(?:{_IP_LITERAL}|{_IREG_NAME})(?::[0-9]*)?"
_IHIER_PART = (
    f"//{_IAUTHORITY}(?:/{_ISEGMENT})*"
    f"|/(?:{_ISEGMENT_NZ}(?:/{_ISEGMENT})*)?"
    f"|{_ISEGMENT_NZ}(?:/{_ISEGMENT})*"
)
IRI = (
    r"[A-Za-z][A-Za-z0-9+.\-]*:"
    rf"(?:(?:{_IHIER_PART})(?:\?{_IQUERY})?(?:#{_IFRAGMENT})?|\?{_IQUERY}(?:#{_IFRAGMENT})?"
    rf"|#{_IFRAGMENT})"
)

# --- simple formats, V-9, V-14, V-15, V-17, SR-15, V-44 ---------------------------------------
UUID = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[1-8][0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}"
MBOX = r"mailto:[^@\s]+@[^@\s]+\.[^@\s]+"
SHA1_HEX = "[0-9a-fA-F]{40}"
SHA2_HEX = "[0-9a-fA-F]{56}|[0-9a-fA-F]{64}|[0-9a-fA-F]{96}|[0-9a-fA-F]{128}"
STATEMENT_VERSION = r"[12]\.0(?:\.[0-9]+)?"
_TOKEN = r"[A-Za-z0-9!#$%&'*+.^_`|~\-]+"
MEDIA_TYPE = rf"{_TOKEN}/{_TOKEN}(?:[ \t]*;.*)?"

# --- duration (ISO 8601 4.4.3.2), V-13: a fraction only on the last component ------------------
_INT = "[0-9]+"
_DEC = r"[0-9]+(?:\.[0-9]+)?"
_DATE_PREFIX = "".join(f"(?:{_INT}{unit})?" for unit in "YMD")
DURATION = "|".join(
    [
        *(
            "P" + "".join(f"(?:{_INT}{u})?" for u in "YMD"[:i]) + f"{_DEC}{unit}"
            for i, unit in enumerate("YMD")
        ),
        *(
            f"P{_DATE_PREFIX}T" + "".join(f"(?:{_INT}{u})?" for u in "HMS"[:i]) + f"{_DEC}{unit}"
            for i, unit in enumerate("HMS")
        ),
        f"P{_DEC}W",
    ]
)

# --- language tag (RFC 5646), V-11 ----------------------------------------------------------
_A, _D, _AN = "[A-Za-z]", "[0-9]", "[A-Za-z0-9]"
_LANGUAGE = f"(?:{_A}{{2,3}}(?:-{_A}{{3}}(?:-{_A}{{3}}){{0,2}})?|{_A}{{4,8}})"
_VARIANT = f"(?:{_AN}{{5,8}}|{_D}{_AN}{{3}})"
_EXTENSION = f"[0-9A-WY-Za-wy-z](?:-{_AN}{{2,8}})+"
_PRIVATEUSE = f"[xX](?:-{_AN}{{1,8}})+"
_GRANDFATHERED = "|".join(
    _any_case(tag)
    for tag in [
        "en-GB-oed",
        "i-ami",
        "i-bnn",
        "i-default",
        "i-enochian",
        "i-hak",
        "i-klingon",
        "i-lux",
        "i-mingo",
        "i-navajo",
        "i-pwn",
        "i-tao",
        "i-tay",
        "i-tsu",
        "sgn-BE-FR",
        "sgn-BE-NL",
        "sgn-CH-DE",
        "art-lojban",
        "cel-gaulish",
        "no-bok",
        "no-nyn",
        "zh-guoyu",
        "zh-hakka",
        "zh-min",
        "zh-min-nan",
        "zh-xiang",
    ]
)


def _language_tag(repeat: str) -> str:
    """RFC 5646 Language-Tag; `repeat` bounds the number of variants and extensions."""
    langtag = (
        f"{_LANGUAGE}(?:-{_A}{{4}})?(?:-(?:{_A}{{2}}|{_D}{{3}}))?"
        f"(?:-{_VARIANT}){repeat}(?:-{_EXTENSION}){repeat}(?:-{_PRIVATEUSE})?"
    )
    return f"{langtag}|{_PRIVATEUSE}|{_GRANDFATHERED}"


LANGUAGE_TAG = _language_tag("*")
# At most one variant and one extension: cannot contain duplicates, so no Python check needed.
LANGUAGE_TAG_SIMPLE = _language_tag("?")

# --- timestamps (RFC 3339 / ISO 8601), V-12 -------------------------------------------------
_YEAR_2_TO_9998 = (
    "(?:[1-8][0-9]{3}|9[0-8][0-9]{2}|99[0-8][0-9]|999[0-8]|0[1-9][0-9]{2}|00[1-9][0-9]|000[2-9])"
)
_MOD4 = "(?:0[48]|[2468][048]|[13579][26])"
_DATE = (
    f"(?:{_YEAR_2_TO_9998}-(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])"
    f"|{_YEAR_2_TO_9998}-(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)"
    f"|{_YEAR_2_TO_9998}-02-(?:0[1-9]|1[0-9]|2[0-8])"
    f"|(?:[0-9]{{2}}{_MOD4}|{_MOD4}00)-02-29)"
)
# Calendar-valid RFC 3339 date-time (years 0002-9998 so UTC conversion cannot overflow); anything
# it rejects is re-checked by parse_timestamp, which is the authority.
TIMESTAMP_FAST = (
    rf"{_DATE}[Tt ](?:[01][0-9]|2[0-3]):[0-5][0-9]:(?:[0-5][0-9]|60)(?:\.[0-9]+)?"
    r"(?:[Zz]|\+(?:[01][0-9]|2[0-3]):[0-5][0-9]"
    r"|-(?:00:(?:0[1-9]|[1-5][0-9])|(?:0[1-9]|1[0-9]|2[0-3]):[0-5][0-9]))"
)
UTC_TIMESTAMP_RE = re.compile(
    rf"({_DATE})T((?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9])(?:\.([0-9]+))?Z"
)
"""A calendar-valid UTC timestamp without leap second: its canonical form is textual (SR-14)."""
_TIMESTAMP_PARTS = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt ]([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]+))?"
    r"([Zz]|[+-][0-9]{2}(?::?[0-9]{2})?)?"
)

IRI_RE = re.compile(IRI)
UUID_RE = re.compile(UUID)
MBOX_RE = re.compile(MBOX)
SHA1_HEX_RE = re.compile(SHA1_HEX)
SHA2_HEX_RE = re.compile(SHA2_HEX)
DURATION_RE = re.compile(DURATION)
_LANGUAGE_TAG_RE = re.compile(LANGUAGE_TAG)


def is_v1_request(version: str) -> bool:
    """True for a 1.0.x request version (SR-15, V-12, V-40); anything else is treated as 2.0."""
    return version.startswith("1.")


def _no_duplicate_subtags(tag: str) -> bool:
    """RFC 5646 2.2.5/2.2.6: no repeated variant and no repeated extension singleton (V-11)."""
    subtags = tag.lower().split("-")
    if subtags[0] == "x":
        return True
    singletons: set[str] = set()
    variants: set[str] = set()
    for subtag in subtags[1:]:
        if subtag == "x":
            break
        if len(subtag) == 1:
            if subtag in singletons:
                return False
            singletons.add(subtag)
        elif not singletons and (len(subtag) >= 5 or (len(subtag) == 4 and subtag[0] <= "9")):
            if subtag in variants:
                return False
            variants.add(subtag)
    return True


def is_language_tag(value: str) -> bool:
    """RFC 5646 Language-Tag including grandfathered tags, without duplicate subtags (V-11)."""
    return _LANGUAGE_TAG_RE.fullmatch(value) is not None and _no_duplicate_subtags(value)


def _offset_minutes(tz: str | None, v1: bool) -> int:
    """Offset of a timestamp suffix in minutes; raises ValueError for forbidden forms (V-12)."""
    if tz is None:
        if v1:
            return 0
        raise ValueError("a time zone offset (Z or +HH:MM) is required")
    if tz in ("Z", "z"):
        return 0
    if not v1 and len(tz) != 6:
        raise ValueError("the offset must be written +HH:MM")
    hours = int(tz[1:3])
    minutes = int(tz[-2:]) if len(tz) > 3 else 0
    if hours > 23 or minutes > 59:
        raise ValueError("offset out of range")
    if tz[0] == "-" and hours == minutes == 0:
        raise ValueError("the unknown-offset form -00:00 is not allowed")
    return (hours * 60 + minutes) * (1 if tz[0] == "+" else -1)


def parse_timestamp(value: str, version: str) -> datetime:
    """Parse a V-12 timestamp for a request `version` into an aware UTC datetime (µs, truncated)."""
    match = _TIMESTAMP_PARTS.fullmatch(value)
    if match is None:
        raise ValueError(f"not an ISO 8601 / RFC 3339 date-time: {value[:40]!r}")
    year, month, day, hour, minute, second, fraction, tz = match.groups()
    offset = _offset_minutes(tz, is_v1_request(version))
    seconds, micros = int(second), int((fraction or "")[:6].ljust(6, "0"))
    if seconds == 60:
        seconds, micros = 59, 999_999
    try:
        local = datetime(
            int(year),
            int(month),
            int(day),
            int(hour),
            int(minute),
            seconds,
            micros,
            tzinfo=timezone(timedelta(minutes=offset)),
        )
        return local.astimezone(UTC)
    except (ValueError, OverflowError) as exc:
        raise ValueError(f"not a valid date-time: {value[:40]!r}") from exc

"""Data-type checks (V-9..V-17) and their agreement with the pydantic types in `schemas`."""

import datetime
import re
from typing import Annotated, Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import StringConstraints, TypeAdapter, ValidationError

from schemas import datatypes, formats
from service.xapi import datatypes as dt

UTC = datetime.UTC

IRI_GOOD = [
    "http://example.com/path/../x",
    "https://example.com/a/b?c=d&e=f#frag",
    "urn:uuid:6ba7b810-9dad-11d1-80b4-00c04fd430c8",
    "http://例子.测试/路径/ü",
    "http://example.com/%C3%BC",
    "mailto:someone@example.com",
    "tag:example.com,2024:thing",
    "http://[::1]:8080/x",
    "http://[2001:db8::7]/c=GB?objectClass?one",
    "http://user:pw@example.com:80/p",
    "http://192.168.0.1/x",
    "foo:?query-only",
]
IRI_BAD = [
    "ab=c://should.fail.com",
    "should fail",
    "abc",
    "not.a.valid.iri.com/verb",
    "homePage.com/testUser",
    "example.com/extension/wrong",
    "open.id.com/testUser",
    "www.example.com/x",
    "",
    "abc:",
    "1http://example.com",
    "http://exa mple.com/",
    "http://example.com/\n",
    "http://example.com/%zz",
    "http://example.com/<a>",
    "http://[::g]/",
    "http://example.com:80a/",
]


@pytest.mark.parametrize("value", IRI_GOOD)
def test_v10_iri_accepted(value: str) -> None:
    """V-10: absolute IRIs, including relative-looking paths and non-ASCII characters."""
    assert dt.is_iri(value)


@pytest.mark.parametrize("value", IRI_BAD)
def test_v10_iri_rejected(value: str) -> None:
    """V-10: scheme-less, bad scheme, whitespace, empty remainder, bad escapes."""
    assert not dt.is_iri(value)


UUID_GOOD = [
    "6ba7b810-9dad-11d1-80b4-00c04fd430c8",
    "6BA7B810-9DAD-41D1-B0B4-00C04FD430C8",
    "fd41c918-b88b-4b20-a0a5-a4c32391aaa0",
]
UUID_BAD = [
    "",
    "6ba7b810-9dad-11d1-80b4-00c04fd430c8a",
    "6ba7b810-9dad-11d1-80b4-00c04fd430c",
    "6ba7b810-9dad-11d1-80b4-00c04fd430cg",
    "6ba7b8109dad11d180b400c04fd430c8",
    "{6ba7b810-9dad-11d1-80b4-00c04fd430c8}",
    "6ba7b810-9dad-01d1-80b4-00c04fd430c8",
    "6ba7b810-9dad-11d1-c0b4-00c04fd430c8",
]


@pytest.mark.parametrize(
    ("value", "expected"), [(v, True) for v in UUID_GOOD] + [(v, False) for v in UUID_BAD]
)
def test_v9_uuid(value: str, expected: bool) -> None:
    """V-9: 8-4-4-4-12 hex, any case, version 1-8, RFC 4122 variant."""
    assert dt.is_uuid(value) is expected


LANGUAGE_GOOD = [
    "de", "de-DE", "zh-Hant", "sr-Latn-RS", "cmn", "es", "es-MX", "sr-Cyrl", "zh-Hans-CN", "ase",
    "ja", "fr-CA", "en-GB", "tlh", "EN-us", "es-419", "de-CH-1901", "sl-rozaj-biske",
    "en-US-u-islamcal", "en-a-bbb-x-a-ccc", "qaa-Qaaa-QM-x-southern", "x-whatever", "zh-yue-HK",
    "en-GB-oed", "i-klingon", "sgn-BE-FR", "zh-min-nan", "art-lojban", "abcdefgh",
]  # fmt: skip
LANGUAGE_BAD = [
    "something", "a12345678", "zh-z-aaa-z-bbb-c-ccc", "de-1901-1901", "ar-a-aaa-b-bbb-a-ccc",
    "de-419-DE", "a-DE", "", "en-", "-en", "en--US", "en_US", "x", "i-notatag", "en-US-x",
    "en-a", "de-DE-1", "en US",
]  # fmt: skip


@pytest.mark.parametrize("value", LANGUAGE_GOOD)
def test_v11_language_tag_accepted(value: str) -> None:
    """V-11: RFC 5646 tags incl. extlang, script, region, variants, extensions, grandfathered."""
    assert dt.is_language_tag(value)


@pytest.mark.parametrize("value", LANGUAGE_BAD)
def test_v11_language_tag_rejected(value: str) -> None:
    """V-11: malformed tags and duplicate singletons/variants."""
    assert not dt.is_language_tag(value)


TS_BOTH = [
    ("2013-05-18T05:32:34.804Z", "2013-05-18T05:32:34.804000+00:00"),
    ("2013-05-18T05:32:34.804+00:00", "2013-05-18T05:32:34.804000+00:00"),
    ("2023-05-04T12:00:00-05:00", "2023-05-04T17:00:00+00:00"),
    ("2013-05-18t05:32:34z", "2013-05-18T05:32:34+00:00"),
    ("2013-05-18 05:32:34+05:30", "2013-05-18T00:02:34+00:00"),
    ("2013-05-18T05:32:34.123456789Z", "2013-05-18T05:32:34.123456+00:00"),
    ("2024-02-29T00:00:00Z", "2024-02-29T00:00:00+00:00"),
    ("2000-02-29T23:59:59-00:30", "2000-03-01T00:29:59+00:00"),
    ("2016-12-31T23:59:60Z", "2016-12-31T23:59:59.999999+00:00"),
    ("2999-01-01T00:00:00Z", "2999-01-01T00:00:00+00:00"),
    ("0001-01-01T00:00:00Z", "0001-01-01T00:00:00+00:00"),
]
TS_V1_ONLY = [
    ("2013-05-18T05:32:34", "2013-05-18T05:32:34+00:00"),
    ("2013-05-18T05:32:34.804", "2013-05-18T05:32:34.804000+00:00"),
    ("2013-05-18T05:32:34+0530", "2013-05-18T00:02:34+00:00"),
    ("2013-05-18T05:32:34-05", "2013-05-18T10:32:34+00:00"),
    ("2013-05-18T05:32:34+00", "2013-05-18T05:32:34+00:00"),
]
TS_BAD = [
    "should fail", "01/011/2015", "2023-02-29T00:00:00Z", "1900-02-29T00:00:00Z",
    "2013-13-01T00:00:00Z", "2013-04-31T00:00:00Z", "2013-05-18T24:00:00Z",
    "2013-05-18T12:60:00Z", "2013-05-18T12:00:61Z", "2013-05-18T05:32:34-00:00",
    "2013-05-18T05:32:34-0000", "2013-05-18T05:32:34-00", "2013-05-18T05:32:34+24:00",
    "2013-05-18T05:32:34+05:60", "2013-05-18T05:32Z", "2013-05-18", "0000-01-01T00:00:00Z",
    "9999-12-31T23:59:59-01:00", "0001-01-01T00:00:00+01:00", "2013-05-18T05:32:34.Z",
    "2013-05-18T05:32:34Z ", "\uff12\uff10\uff11\uff13-05-18T05:32:34Z", "20130518T053234Z",
]  # fmt: skip


@pytest.mark.parametrize("version", ["1.0.3", "2.0.0"])
@pytest.mark.parametrize(("value", "utc"), TS_BOTH)
def test_v12_timestamp_parsed_to_utc(value: str, utc: str, version: str) -> None:
    """V-12/SR-14: RFC 3339 forms parse to aware UTC, fraction truncated to microseconds."""
    parsed = dt.parse_timestamp(value, version)
    assert parsed.tzinfo is UTC
    assert parsed.isoformat() == utc


@pytest.mark.parametrize(("value", "utc"), TS_V1_ONLY)
def test_v12_wider_iso8601_only_for_1_0(value: str, utc: str) -> None:
    """V-12: offset-less (= UTC), +HHMM and +HH forms only for 1.0.x requests."""
    assert dt.parse_timestamp(value, "1.0.3").isoformat() == utc
    with pytest.raises(ValueError, match="offset"):
        dt.parse_timestamp(value, "2.0.0")


@pytest.mark.parametrize("version", ["1.0.3", "2.0.0"])
@pytest.mark.parametrize("value", TS_BAD)
def test_v12_timestamp_rejected(value: str, version: str) -> None:
    """V-12: non-dates, calendar errors, -00:00 style unknown offsets, out-of-range instants."""
    with pytest.raises(ValueError, match=r"."):
        dt.parse_timestamp(value, version)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (datetime.datetime(2024, 1, 2, 3, 4, 5, 123999, tzinfo=UTC), "2024-01-02T03:04:05.123Z"),
        (datetime.datetime(2024, 1, 2, 3, 4, 5, 999999, tzinfo=UTC), "2024-01-02T03:04:05.999Z"),
        (datetime.datetime(2024, 1, 2, 3, 4, 5), "2024-01-02T03:04:05.000Z"),
        (
            datetime.datetime(
                2024, 1, 1, 1, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=2))
            ),
            "2023-12-31T23:00:00.000Z",
        ),
        (datetime.datetime(12, 3, 4, 5, 6, 7, 8000, tzinfo=UTC), "0012-03-04T05:06:07.008Z"),
    ],
)
def test_sr12_format_timestamp_truncates_milliseconds(
    value: datetime.datetime, expected: str
) -> None:
    """SR-12/SR-14 (V-12): UTC, exactly three fraction digits, truncated never rounded."""
    assert dt.format_timestamp(value) == expected


@pytest.mark.parametrize(
    ("value", "version", "expected"),
    [
        ("2023-05-04T12:00:00-05:00", "2.0.0", "2023-05-04T17:00:00.000Z"),
        ("2013-05-18T05:32:34.8049Z", "2.0.0", "2013-05-18T05:32:34.804Z"),
        ("2013-05-18T05:32:34.9999999+00:00", "1.0.3", "2013-05-18T05:32:34.999Z"),
        ("2013-05-18T05:32:34", "1.0.3", "2013-05-18T05:32:34.000Z"),
    ],
)
def test_v12_normalize_timestamp(value: str, version: str, expected: str) -> None:
    """V-12/SR-14: normalize = parse then format."""
    assert dt.normalize_timestamp(value, version) == expected


def test_v12_normalize_timestamp_rejects_invalid() -> None:
    """V-12: normalize raises ValueError like parse."""
    with pytest.raises(ValueError, match=r"."):
        dt.normalize_timestamp("2013-05-18T05:32:34", "2.0.0")


DURATION_GOOD = [
    "PT1H0M0.1S", "PT4H35M59.14S", "PT16559.14S", "P3Y1M29DT4H35M59.14S", "P3Y", "P4W",
    "P1DT12H36M0.12567S", "PT0S", "P0D", "P1.5W", "PT1.5H", "P1Y2M3DT4H5M6.789S", "PT36H",
]  # fmt: skip
DURATION_BAD = [
    "PA1H0M0S", "P4W1D", "P", "PT", "P1DT", "P1.5Y2M", "PT1.5H30M", "1H", "", "P-1D",
    "PT1,5S", "P1D2Y", "pt1h", "P1H", "PT1D", "P1Y ",
]  # fmt: skip


@pytest.mark.parametrize(
    ("value", "expected"), [(v, True) for v in DURATION_GOOD] + [(v, False) for v in DURATION_BAD]
)
def test_v13_duration(value: str, expected: bool) -> None:
    """V-13: ISO 8601 durations; weeks alone; fraction only on the last component."""
    assert dt.is_duration(value) is expected


MBOX_GOOD = ["mailto:a@b.co", "mailto:first.last+tag@sub.example.org"]
MBOX_BAD = [
    "http://should.fail.com", "mailto:should.fail.com", "a@b.co", "mailto:@b.co", "mailto:a@b",
    "mailto:a@@b.co", "mailto:a b@c.de", "MAILTO:a@b.co", "",
]  # fmt: skip


@pytest.mark.parametrize(
    ("value", "expected"), [(v, True) for v in MBOX_GOOD] + [(v, False) for v in MBOX_BAD]
)
def test_v14_mbox(value: str, expected: bool) -> None:
    """V-14: mailto: plus one '@', non-empty local part, dotted domain."""
    assert dt.is_mbox(value) is expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("a" * 40, True),
        ("ABCDEF0123" * 4, True),
        ("a" * 39, False),
        ("a" * 41, False),
        ("g" * 40, False),
        ("", False),
    ],
)
def test_v15_sha1_hex(value: str, expected: bool) -> None:
    """V-15: mbox_sha1sum is 40 hex digits."""
    assert dt.is_sha1_hex(value) is expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [("a" * n, True) for n in (56, 64, 96, 128)]
    + [("a" * n, False) for n in (0, 40, 63, 65, 127, 129)]
    + [("g" * 64, False), ("A" * 64, True)],
)
def test_v17_sha2_hex(value: str, expected: bool) -> None:
    """V-17: SHA-2 hex of length 56/64/96/128."""
    assert dt.is_sha2_hex(value) is expected


def _schema_accepts(tp: Any, value: Any, version: str = "2.0.0") -> bool:
    adapter = tp if isinstance(tp, TypeAdapter) else TypeAdapter(tp)
    try:
        adapter.validate_python(value, strict=True, context={"version": version})
    except ValidationError:
        return False
    return True


@pytest.mark.parametrize(
    ("tp", "check", "values"),
    [
        (datatypes.IRI, dt.is_iri, IRI_GOOD + IRI_BAD),
        (datatypes.UUID, dt.is_uuid, UUID_GOOD + UUID_BAD),
        (datatypes.Duration, dt.is_duration, DURATION_GOOD + DURATION_BAD),
        (datatypes.Mbox, dt.is_mbox, MBOX_GOOD + MBOX_BAD),
        (datatypes.MboxSha1sum, dt.is_sha1_hex, ["a" * 40, "a" * 41]),
        (datatypes.Sha2, dt.is_sha2_hex, ["a" * 64, "a" * 63]),
        (datatypes.LanguageTag, dt.is_language_tag, LANGUAGE_GOOD + LANGUAGE_BAD),
    ],
    ids=["V-10", "V-9", "V-13", "V-14", "V-15", "V-17", "V-11"],
)
def test_v9_to_v17_pydantic_types_agree_with_functions(
    tp: Any, check: Any, values: list[str]
) -> None:
    """V-9..V-17: the Rust-checked pydantic types implement the same language as the helpers."""
    assert [_schema_accepts(tp, v) for v in values] == [check(v) for v in values]


@pytest.mark.parametrize("version", ["1.0.3", "2.0.0"])
def test_v12_pydantic_timestamp_agrees_with_parse(version: str) -> None:
    """V-12: schema Timestamp (Rust fast path + Python fallback) equals parse_timestamp."""

    def parses(value: str) -> bool:
        try:
            dt.parse_timestamp(value, version)
        except ValueError:
            return False
        return True

    values = [v for v, _ in TS_BOTH + TS_V1_ONLY] + TS_BAD
    assert [_schema_accepts(datatypes.Timestamp, v, version) for v in values] == [
        parses(v) for v in values
    ]


def test_v12_fast_path_calendar_matches_datetime() -> None:
    """V-12: the calendar encoded in the Rust timestamp regex matches Python's for every day."""
    fast = TypeAdapter(
        Annotated[str, StringConstraints(pattern=datatypes.anchored(formats.TIMESTAMP_FAST))]
    )
    mismatches = []
    for year in (1, 2, 4, 100, 400, 1900, 2000, 2023, 2024, 2100, 9996, 9998, 9999):
        for month in range(1, 14):
            for day in range(1, 33):
                value = f"{year:04d}-{month:02d}-{day:02d}T12:00:00Z"
                try:
                    datetime.date(year, month, day)
                    valid = 2 <= year <= 9998
                except ValueError:
                    valid = False
                if _schema_accepts(fast, value) is not valid:
                    mismatches.append(value)
    assert mismatches == []


def test_v10_patterns_are_python_and_rust_compatible() -> None:
    """V-9..V-17: shared patterns avoid \\d/\\w (Unicode digits in both engines)."""
    for source in (
        formats.IRI,
        formats.UUID,
        formats.DURATION,
        formats.LANGUAGE_TAG,
        formats.TIMESTAMP_FAST,
    ):
        assert not re.search(r"\\[dDwW]", source)


@given(
    st.datetimes(
        min_value=datetime.datetime(2, 1, 1), max_value=datetime.datetime(9998, 12, 31, 23, 59, 59)
    ),
    st.sampled_from(["", ".1", ".12", ".123", ".1234567"]),
    st.sampled_from(["1.0.3", "2.0.0"]),
)
def test_sr14_plain_utc_fast_path_equals_parse_then_format(
    instant: datetime.datetime, fraction: str, version: str
) -> None:
    """SR-14: the textual fast path for plain UTC timestamps gives what parse+format gives."""
    value = instant.isoformat(timespec="seconds") + fraction + "Z"
    slow = dt.format_timestamp(dt.parse_timestamp(value, version))
    assert dt.normalize_timestamp(value, version) == slow


@pytest.mark.parametrize(
    "value", ["2023-02-29T00:00:00Z", "2023-04-31T10:00:00Z", "2023-01-01T24:00:00Z"]
)
def test_v12_fast_path_leaves_invalid_dates_to_parse(value: str) -> None:
    """V-12: calendar-invalid UTC timestamps still raise ValueError."""
    with pytest.raises(ValueError, match=r"."):
        dt.normalize_timestamp(value, "2.0.0")

"""Canonical activity definitions (RS-4): the merge and its no-change shortcut agree."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from service.xapi.activities import adds_nothing, merge_definition
from service.xapi.statement_batch import merged_definitions

LANGUAGE_MAP = st.dictionaries(st.sampled_from(["en-US", "fr-FR", "de"]), st.sampled_from("ab"))
DEFINITION = st.fixed_dictionaries(
    {},
    optional={
        "name": LANGUAGE_MAP,
        "description": LANGUAGE_MAP,
        "type": st.sampled_from(["http://example.org/t/a", "http://example.org/t/b"]),
        "moreInfo": st.none() | st.just("http://example.org/info"),
    },
)


@given(DEFINITION, DEFINITION)
def test_rs4_adds_nothing_exactly_when_the_merge_changes_nothing(
    current: dict[str, Any], incoming: dict[str, Any]
) -> None:
    assert adds_nothing(current, incoming) == (merge_definition(current, incoming) == current)


@given(st.lists(DEFINITION, min_size=1, max_size=4), DEFINITION | st.none())
def test_rs4_merged_definitions_fold_in_statement_order(
    definitions: list[dict[str, Any]], stored: dict[str, Any] | None
) -> None:
    expected = stored or {}
    for definition in definitions:
        expected = merge_definition(expected, definition)
    activity = "http://example.org/act/1"
    changed = merged_definitions(
        [(activity, d) for d in definitions], {} if stored is None else {activity: stored}
    )
    if stored is not None and expected == stored:
        assert changed == {}
    else:
        assert changed == {activity: expected}


def test_rs4_a_language_added_to_a_name_is_a_change() -> None:
    current = {"name": {"en-US": "Safety"}}
    assert not adds_nothing(current, {"name": {"fr-FR": "Sécurité"}})
    assert adds_nothing(current, {"name": {"en-US": "Safety"}})
    assert not adds_nothing(current, {"moreInfo": None})
